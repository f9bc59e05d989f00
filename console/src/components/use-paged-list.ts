/**
 * A list read page by page from a List or Describe call: the items of the current page, the token of
 * the next one, the pager, and one busy flag and error for the list and whatever the page does to it.
 */
import { useEffect, useState } from 'preact/hooks';
import { usePager } from './pager';
import { useAction } from './use-action';

/** One page of a list: its items and the token of the next page (none on the last). */
export interface ListPage<T> {
  items: T[];
  nextToken: string | undefined;
}

/**
 * Calls `fetchPage` with the current page's token when the page changes (and when any of `deps`
 * does), keeping what it returns. `run` runs any other call with the same busy flag and error;
 * `runAndReload` runs one and then reads the page again.
 */
export function usePagedList<T>(fetchPage: (token: string | undefined) => Promise<ListPage<T>>, deps: unknown[] = []) {
  const [items, setItems] = useState<T[]>([]);
  const [nextToken, setNextToken] = useState<string>();
  const pager = usePager();
  const action = useAction();
  const reload = () =>
    action.run(async () => {
      const page = await fetchPage(pager.token);
      setItems(page.items);
      setNextToken(page.nextToken);
    });
  useEffect(() => void reload(), [pager.token, ...deps]);
  return {
    items,
    nextToken,
    pager,
    /** The props of <Pager> for this list. */
    pagerProps: { page: pager.page, nextToken, onNext: pager.next, onPrevious: pager.previous },
    busy: action.busy,
    error: action.error,
    run: action.run,
    reload,
    runAndReload: (fn: () => Promise<unknown>) =>
      action.run(async () => {
        await fn();
        await reload();
      }),
  };
}
