/** Members and their roles (online only): the owner shares by email, changes a member's role and removes members. */
import { useState } from 'preact/hooks';
import type { ListView as List } from '../sdk';
import type { Member, MemberRole } from '../shared/types';
import { Face, usePeople } from './collab';
import { errorMessage, isClientError } from './format';
import { useApp, useConnection } from './hooks';
import { OwnerActions } from './owner-actions';

const ROLE_TEXT: Record<MemberRole, string> = { editor: 'Editor (can change)', viewer: 'Viewer (read only)' };

export function Members({ list }: { list: List }) {
  const { client, notify } = useApp();
  const { status } = useConnection(client);
  const people = usePeople();
  const { members } = people;
  const [error, setError] = useState('');
  const isOwner = list.role === 'owner';
  const owner = members?.find((m) => m.role === 'owner');
  const online = status === 'online';
  const shown = error || people.membersError;

  /** `list:share` to a member changes their role (member:updated reaches the others). */
  const changeRole = async (m: Member, to: MemberRole) => {
    setError('');
    try {
      const member = await client.share(list.id, m.email, to);
      notify(`${member.name} is now ${member.role === 'editor' ? 'an editor' : 'a viewer'}.`, 'info');
    } catch (err) {
      setError(isClientError(err) ? errorMessage(err) : 'Changing the role failed.');
    }
  };

  const unshare = async (m: Member) => {
    if (!confirm(`Remove ${m.name} from “${list.name}”?`)) return;
    try {
      await client.unshare(list.id, m.userId);
    } catch (err) {
      setError(isClientError(err) ? errorMessage(err) : 'Removing failed.');
    }
  };

  return (
    <section class="members" id="members" aria-label="Members">
      <h3>Members</h3>
      {!online && <p class="muted">Members and sharing need a connection to the server.</p>}
      {members && (
        <ul class="member-list">
          {members.map((m) => (
            <li key={m.userId} data-user-id={m.userId}>
              <Face userId={m.userId} name={m.name} small />
              <span class="member-name">{m.name}</span> <span class="muted member-email">{m.email}</span>{' '}
              {isOwner && m.role !== 'owner' ? (
                <>
                  <label class="visually-hidden" for={`role-${m.userId}`}>
                    Access for {m.name}
                  </label>
                  <select
                    id={`role-${m.userId}`}
                    class={`role-select role-${m.role}`}
                    value={m.role}
                    disabled={!online}
                    onChange={(e) => void changeRole(m, e.currentTarget.value as MemberRole)}
                  >
                    <option value="editor">{ROLE_TEXT.editor}</option>
                    <option value="viewer">{ROLE_TEXT.viewer}</option>
                  </select>
                  <button
                    type="button"
                    class="quiet danger"
                    aria-label={`Remove ${m.name}`}
                    disabled={!online}
                    onClick={() => void unshare(m)}
                  >
                    Remove
                  </button>
                </>
              ) : (
                <span class={`badge role-${m.role}`}>{m.role}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {!isOwner && owner && <OwnerActions owner={owner} online={online} />}
      {isOwner && <ShareForm list={list} online={online} setError={setError} />}
      {shown && (
        <p class="form-error" role="alert">
          {shown}
        </p>
      )}
    </section>
  );
}

/** The owner shares the list by email, as an editor or a viewer. */
function ShareForm({ list, online, setError }: { list: List; online: boolean; setError: (e: string) => void }) {
  const { client, notify } = useApp();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('editor');
  const [busy, setBusy] = useState(false);
  const share = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const member = await client.share(list.id, email.trim(), role);
      setEmail('');
      notify(`Shared with ${member.name} (${member.role}).`, 'info');
    } catch (err) {
      setError(
        isClientError(err) && err.code === 'not_found'
          ? 'No account has that email address.'
          : isClientError(err)
            ? errorMessage(err)
            : 'Sharing failed.',
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="share-form" onSubmit={(e) => void share(e)}>
      <div class="field grow">
        <label for="share-email">Share with (email)</label>
        <input id="share-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="share-role">Role</label>
        <select id="share-role" value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)}>
          <option value="editor">{ROLE_TEXT.editor}</option>
          <option value="viewer">{ROLE_TEXT.viewer}</option>
        </select>
      </div>
      <button type="submit" class="primary" disabled={busy || !online}>
        Share
      </button>
    </form>
  );
}
