/** Token paging for the List* calls: holds the current page's token and the tokens before it. */
import { useState } from 'preact/hooks';

export function usePager() {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const token = tokens[tokens.length - 1];
  return {
    token,
    page: tokens.length,
    next: (t: string) => setTokens([...tokens, t]),
    previous: () => setTokens(tokens.slice(0, -1)),
    reset: () => setTokens([undefined]),
  };
}

export function Pager(props: { page: number; nextToken: string | undefined; onNext: (t: string) => void; onPrevious: () => void }) {
  if (props.page === 1 && !props.nextToken) return null;
  return (
    <div class="pager">
      <button disabled={props.page === 1} onClick={props.onPrevious}>
        ← Previous
      </button>
      <span>Page {props.page}</span>
      <button disabled={!props.nextToken} onClick={() => props.nextToken && props.onNext(props.nextToken)}>
        Next →
      </button>
    </div>
  );
}
