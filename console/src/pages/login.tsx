/** Login: the access key pair Argus is configured with, checked by a signed ListCollections. */
import { useState } from 'preact/hooks';
import { checkKeys, saveSession } from '../api';
import { ErrorBox } from '../components/error';
import { useAction } from '../components/use-action';

export function LoginPage(props: { onLogin: () => void }) {
  const [accessKeyId, setId] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const action = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    const session = { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), region: region.trim() || 'us-east-1' };
    await action.run(async () => {
      await checkKeys(session);
      saveSession(session);
      props.onLogin();
    });
  }
  return (
    <main class="login">
      <h1>Argus</h1>
      <p>Sign in with an access key pair Argus is configured with (the same keys the AWS SDK or CLI use).</p>
      <form onSubmit={submit}>
        <label>
          Access key ID
          <input name="accessKeyId" value={accessKeyId} onInput={(e) => setId(e.currentTarget.value)} autoComplete="username" required />
        </label>
        <label>
          Secret access key
          <input name="secretAccessKey" type="password" value={secretAccessKey} onInput={(e) => setSecret(e.currentTarget.value)} autoComplete="current-password" required />
        </label>
        <label>
          Region
          <input name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={action.error} />
    </main>
  );
}
