/**
 * A progress bar on stderr for long CLI work: redrawn in place on a terminal, one line per 10 %
 * otherwise (logs, CI).
 *
 *   const bar = progress('indexing', files.length);
 *   for (const f of files) { ...; bar.tick(f); }
 *   bar.done();
 */
export interface Progress {
  tick(label?: string): void;
  done(): void;
}

const WIDTH = 28;

export function progress(what: string, total: number, out: NodeJS.WriteStream = process.stderr): Progress {
  const start = performance.now();
  let n = 0;
  let lastDecile = -1;
  const line = (label = '') => {
    const frac = total ? n / total : 1;
    const filled = Math.round(frac * WIDTH);
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? n / secs : 0;
    const eta = rate > 0 ? Math.ceil((total - n) / rate) : 0;
    return `${what} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${n}/${total} ${rate.toFixed(1)}/s${n < total ? ` ETA ${eta}s` : ` ${secs.toFixed(1)}s`}${label ? `  ${label}` : ''}`;
  };
  return {
    tick(label?: string) {
      n++;
      if (out.isTTY) out.write(`\r\x1b[K${line(label).slice(0, (out.columns ?? 120) - 1)}`);
      else {
        const decile = Math.floor((10 * n) / Math.max(1, total));
        if (decile !== lastDecile) {
          lastDecile = decile;
          out.write(`${line()}\n`);
        }
      }
    },
    done() {
      if (out.isTTY) out.write(`\r\x1b[K${line()}\n`);
    },
  };
}
