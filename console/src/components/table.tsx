/** A table with one header row: `head` names the columns ('' for an unnamed one), the children are the body's rows. */
import type { ComponentChildren } from 'preact';

export function Table(props: { class?: string; head: string[]; children: ComponentChildren }) {
  return (
    <table class={props.class}>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
