/** In a list someone else owns: leave every list of that owner at once, or block them (share spam). */
import { useState } from 'preact/hooks';
import type { Member } from '../shared/types';
import { errorMessage, isClientError } from './format';
import { useApp } from './hooks';

const plural = (n: number, one: string) => `${String(n)} ${one}${n === 1 ? '' : 's'}`;

export function OwnerActions({ owner, online }: { owner: Member; online: boolean }) {
  const { client, notify } = useApp();
  const [busy, setBusy] = useState(false);
  const who = `${owner.name} (${owner.email})`;

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      notify(await work(), 'info');
    } catch (e) {
      notify(isClientError(e) ? errorMessage(e) : 'That did not work.');
    } finally {
      setBusy(false);
    }
  };
  const leaveAll = () => {
    if (!confirm(`Leave every list ${who} shares with you? You will no longer see them.`)) return;
    void act(async () => {
      const left = await client.leaveAllFrom(owner.userId);
      return `Left ${plural(left.length, 'list')} from ${owner.name}.`;
    });
  };
  const block = () => {
    if (
      !confirm(
        `Block ${who}? Their shares will no longer reach you. You stay in the lists they shared with you until you leave them.`,
      )
    )
      return;
    void act(async () => {
      await client.block(owner.userId);
      return `Blocked ${owner.name}: their shares no longer reach you.`;
    });
  };

  return (
    <div class="owner-actions">
      <p class="muted">Shared by someone you do not know?</p>
      <button type="button" class="quiet danger" disabled={busy || !online} onClick={leaveAll}>
        Leave all lists from {owner.name}
      </button>
      <button type="button" class="quiet danger" disabled={busy || !online} onClick={block}>
        Block {owner.name}
      </button>
    </div>
  );
}
