/** The web app's entry: opens the client SDK on this origin (session, replica and queue in IndexedDB) and renders. */
import { render } from 'preact';
import { browserStorage, createClient } from '../sdk';
import { App } from './app';
import './styles.css';
import './layout.css';
import './tasks.css';
import './phone.css';
import './collab.css';

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');

createClient({
  url: location.origin,
  storage: browserStorage('todo'),
  // back from offline (a phone out of a tunnel) within 3 s rather than socket.io's 5 s at most
  socketOptions: { reconnectionDelayMax: 3000 },
}).then(
  (client) => {
    // an expired stored session is told at once, before the app's effects listen: kept for the app
    let early: 'expired' | 'unauthorized' | null = null;
    const offEarly = client.on('auth', (e) => (early = e.reason));
    const earlyAuth = () => {
      offEarly();
      return early;
    };
    root.textContent = '';
    render(<App client={client} earlyAuth={earlyAuth} />, root);
    // opens the app without a network next time (browsers allow workers in secure contexts only)
    if (isSecureContext && 'serviceWorker' in navigator)
      navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  },
  (err: unknown) => {
    root.textContent = `The app could not start: ${err instanceof Error ? err.message : String(err)}`;
  },
);
