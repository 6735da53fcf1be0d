/** The web app's entry: opens the client SDK on this origin (session, replica and queue in IndexedDB) and renders. */
import { render } from 'preact';
import { browserStorage, createClient } from '../shared/client';
import { App } from './app';
import { newId } from './format';
import './styles.css';

// crypto.randomUUID exists only in secure contexts; over plain HTTP on a LAN address the SDK still needs it
const c = crypto as Partial<Pick<Crypto, 'randomUUID'>>;
c.randomUUID ??= newId as Crypto['randomUUID'];

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');

createClient({ url: location.origin, storage: browserStorage('todo') }).then(
  (client) => {
    root.textContent = '';
    render(<App client={client} />, root);
    // opens the app without a network next time (browsers allow workers in secure contexts only)
    if (isSecureContext && 'serviceWorker' in navigator)
      navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  },
  (err: unknown) => {
    root.textContent = `The app could not start: ${err instanceof Error ? err.message : String(err)}`;
  },
);
