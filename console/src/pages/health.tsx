/** Health: what /health reports (unsigned): version, workers, each model's backend and warm-up state. */
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox } from '../components/error';
import { Table } from '../components/table';
import { useAction } from '../components/use-action';
import type { ModelHealth } from '../../../src/runtime/worker-pool.js';

interface Health {
  status: string;
  version: string;
  startedAt: string;
  workers: number;
  intraOpThreads: number;
  inFlight: number;
  models: ModelHealth[];
  operations: { implemented: string[]; total: number };
}

export function HealthPage() {
  const [health, setHealth] = useState<Health>();
  const action = useAction();
  const load = () =>
    action.run(async () => {
      const res = await fetch('/health');
      if (!res.ok) throw new Error(`/health answered ${res.status} ${res.statusText}`);
      setHealth((await res.json()) as Health);
    });
  useEffect(() => {
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section>
      <h2>Health</h2>
      <ErrorBox error={action.error} />
      {health && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd class={`status-${health.status}`}>{health.status}</dd>
            <dt>Version</dt>
            <dd>{health.version}</dd>
            <dt>Started</dt>
            <dd>{new Date(health.startedAt).toLocaleString()}</dd>
            <dt>Workers</dt>
            <dd>
              {health.workers} × {health.intraOpThreads} thread(s)
            </dd>
            <dt>Model calls in flight</dt>
            <dd>{health.inFlight}</dd>
            <dt>Operations</dt>
            <dd>
              {health.operations.implemented.length} of {health.operations.total} implemented
            </dd>
          </dl>
          <h3>Models</h3>
          <Table class="models" head={['Model', 'Task', 'Version', 'State', 'Backend', 'Load', 'Runs', 'Licence']}>
            {health.models.map((m) => (
              <tr>
                <td>{m.id}</td>
                <td>{m.task}</td>
                <td>{m.version}</td>
                <td class={`state-${m.state}`}>
                  {m.state}
                  {m.error && <div class="reason">{m.error}</div>}
                </td>
                <td title={m.backendInfo}>
                  {m.backend ?? '—'}
                  {m.fallback && ` (fallback: ${m.fallback})`}
                </td>
                <td>{m.loadMs !== undefined ? `${m.loadMs} ms` : '—'}</td>
                <td>{m.runs}</td>
                <td>{m.licence}</td>
              </tr>
            ))}
          </Table>
          <details>
            <summary>Implemented operations</summary>
            <p>{health.operations.implemented.join(', ')}</p>
          </details>
        </>
      )}
    </section>
  );
}
