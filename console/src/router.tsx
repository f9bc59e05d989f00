/** A small client-side router over /console/<page>/...: the server answers index.html for every such path. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const BASE = '/console';
const listeners = new Set<() => void>();

/** The path inside the console, e.g. `/faces` or `/custom-labels/shapes`. */
export const currentPath = (): string => window.location.pathname.slice(BASE.length) || '/';

export function navigate(path: string): void {
  if (path === currentPath()) return;
  history.pushState(null, '', BASE + path);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Re-renders the caller when the path changes. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const l = () => setPath(currentPath());
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return path;
}

/** An in-console link: a real <a href> that navigates without reloading. */
export function Link(props: { to: string; class?: string; children: ComponentChildren }) {
  return (
    <a
      href={BASE + props.to}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
