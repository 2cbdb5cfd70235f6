/**
 * Keys and users (admin): people who sign in and the API keys services use. Create,
 * change a role, disable or enable, delete a user; create a key (shown once), rotate or
 * revoke it. Destructive changes ask first (GET/POST /v1/users, PATCH/DELETE /v1/users/:id,
 * GET/POST /v1/keys, POST /v1/keys/:id/rotate, DELETE /v1/keys/:id).
 */
import { useState } from "preact/hooks";
import { api, type Role, type User } from "../api.js";
import { Badge, Confirm, ErrorLine } from "../components.js";
import { when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Person {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}
interface Key {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
type Pending = { title: string; label: string; run: () => Promise<string> };

const ROLES: Role[] = ["client", "analyst", "admin"];

export function Access({ user }: { user: User }) {
  const people = useLoad(() => api<Person[]>("/v1/users"), []);
  const keys = useLoad(() => api<Key[]>("/v1/keys"), []);
  const [pending, setPending] = useState<Pending | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [secret, setSecret] = useState<{ name: string; key: string } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const act = async (run: () => Promise<string>) => {
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await run());
      people.reload();
      keys.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const [newUser, setNewUser] = useState({ username: "", password: "", role: "analyst" as Role });
  const [newKey, setNewKey] = useState({ name: "", role: "client" as Role });

  return (
    <>
      <h1>Keys &amp; users</h1>
      <ErrorLine error={error ?? people.error ?? keys.error} />
      {message ? (
        <p class="notice" role="status">
          {message}
        </p>
      ) : null}
      {secret ? (
        <section class="card" aria-labelledby="secret-title" data-testid="new-key">
          <h2 id="secret-title">API key {secret.name}: copy it now</h2>
          <p>It is shown this once; Bulwark keeps only its hash.</p>
          <pre>{secret.key}</pre>
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </section>
      ) : null}

      <section aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
        <div class="scroll">
          <table data-testid="users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(people.data ?? []).map((p) => (
                <tr key={p.id}>
                  <td>{p.username}</td>
                  <td>
                    <select
                      aria-label={`Role of ${p.username}`}
                      value={p.role}
                      disabled={p.id === user.id}
                      onChange={(e) => {
                        const role = e.currentTarget.value as Role;
                        void act(async () => {
                          await api(`/v1/users/${p.id}`, { method: "PATCH", json: { role } });
                          return `${p.username} is now ${role}`;
                        });
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <Badge kind={p.disabled ? "bad" : "ok"}>{p.disabled ? "disabled" : "active"}</Badge>
                  </td>
                  <td>{when(p.lastLoginAt)}</td>
                  <td class="row">
                    {p.id === user.id ? (
                      <span class="muted">you</span>
                    ) : (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            setPending({
                              title: `${p.disabled ? "Enable" : "Disable"} ${p.username}?`,
                              label: p.disabled ? "Enable" : "Disable",
                              run: async () => {
                                await api(`/v1/users/${p.id}`, {
                                  method: "PATCH",
                                  json: { disabled: !p.disabled },
                                });
                                return `${p.username} is ${p.disabled ? "enabled" : "disabled"}`;
                              },
                            })
                          }
                        >
                          {p.disabled ? "Enable" : "Disable"}
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() =>
                            setPending({
                              title: `Delete ${p.username}?`,
                              label: "Delete",
                              run: async () => {
                                await api(`/v1/users/${p.id}`, { method: "DELETE" });
                                return `${p.username} was deleted`;
                              },
                            })
                          }
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form
          class="card fields"
          aria-label="New user"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              await api("/v1/users", { json: newUser });
              const name = newUser.username;
              setNewUser({ username: "", password: "", role: newUser.role });
              return `User ${name} created`;
            });
          }}
        >
          <label>
            New username
            <input
              required
              value={newUser.username}
              onInput={(e) => setNewUser({ ...newUser, username: e.currentTarget.value })}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              autocomplete="new-password"
              required
              value={newUser.password}
              onInput={(e) => setNewUser({ ...newUser, password: e.currentTarget.value })}
            />
          </label>
          <label>
            Role
            <select
              value={newUser.role}
              onChange={(e) => setNewUser({ ...newUser, role: e.currentTarget.value as Role })}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Create user</button>
        </form>
      </section>

      <section aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        <div class="scroll">
          <table data-testid="keys">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Role</th>
                <th scope="col">Prefix</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.role}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>
                    <Badge kind={k.revokedAt ? "bad" : "ok"}>{k.revokedAt ? "revoked" : "active"}</Badge>
                  </td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td class="row">
                    {k.revokedAt ? null : (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            setPending({
                              title: `Rotate ${k.name}?`,
                              label: "Rotate",
                              run: async () => {
                                const r = await api<{ key: string }>(`/v1/keys/${k.id}/rotate`, { json: {} });
                                setSecret({ name: k.name, key: r.key });
                                return `${k.name} rotated: the old secret works for 24 hours more`;
                              },
                            })
                          }
                        >
                          Rotate
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() =>
                            setPending({
                              title: `Revoke ${k.name}?`,
                              label: "Revoke",
                              run: async () => {
                                await api(`/v1/keys/${k.id}`, { method: "DELETE" });
                                return `${k.name} was revoked`;
                              },
                            })
                          }
                        >
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form
          class="card fields"
          aria-label="New API key"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              const r = await api<{ key: string; info: { name: string } }>("/v1/keys", { json: newKey });
              setSecret({ name: r.info.name, key: r.key });
              setNewKey({ name: "", role: newKey.role });
              return `Key ${r.info.name} created`;
            });
          }}
        >
          <label>
            New key name
            <input
              required
              value={newKey.name}
              onInput={(e) => setNewKey({ ...newKey, name: e.currentTarget.value })}
            />
          </label>
          <label>
            Key role
            <select
              value={newKey.role}
              onChange={(e) => setNewKey({ ...newKey, role: e.currentTarget.value as Role })}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Create key</button>
        </form>
      </section>
      {pending ? (
        <Confirm
          title={pending.title}
          confirmLabel={pending.label}
          onConfirm={() => {
            const p = pending;
            setPending(undefined);
            void act(p.run);
          }}
          onCancel={() => setPending(undefined)}
        >
          <p>This takes effect at once on every server.</p>
        </Confirm>
      ) : null}
    </>
  );
}
