/** An error in words (the API's message), never swallowed. */
import { errorText } from '../api';

export function ErrorBox(props: { error: unknown }) {
  if (props.error === undefined || props.error === null) return null;
  return (
    <p class="error" role="alert">
      {errorText(props.error)}
    </p>
  );
}
