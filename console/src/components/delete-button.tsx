/** A "Delete" button (class danger) that asks first when given a question, then calls `onDelete`. */
import type { ComponentChildren } from 'preact';

export function DeleteButton(props: { confirm?: string; title?: string; onDelete: () => unknown; children?: ComponentChildren }) {
  return (
    <button class="danger" title={props.title} onClick={() => (props.confirm === undefined || confirm(props.confirm)) && props.onDelete()}>
      {props.children ?? 'Delete'}
    </button>
  );
}
