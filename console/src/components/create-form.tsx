/**
 * A one-field form that creates something from a name: `run` (a useAction/usePagedList runner)
 * runs `onCreate` with the trimmed name, and the field is emptied once it succeeds.
 */
import { useState } from 'preact/hooks';

export function CreateForm(props: { label: string; button: string; run: (fn: () => Promise<void>) => unknown; onCreate: (name: string) => Promise<unknown> }) {
  const [name, setName] = useState('');
  return (
    <form
      class="row"
      onSubmit={(e) => {
        e.preventDefault();
        void props.run(async () => {
          await props.onCreate(name.trim());
          setName('');
        });
      }}
    >
      <input placeholder={props.label} aria-label={props.label} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <button type="submit">{props.button}</button>
    </form>
  );
}
