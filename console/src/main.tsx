/** The console's shell: login gate, navigation, and the page for the current path. */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { clearSession, loadSession } from './api';
import { Link, navigate, usePath } from './router';
import { LoginPage } from './pages/login';
import { AnalysePage } from './pages/analyse';
import { HealthPage } from './pages/health';
import { BucketsPage } from './pages/buckets';
import { FacesPage } from './pages/faces';
import { CustomLabelsPage } from './pages/custom-labels';
import { VideoPage } from './pages/video';
import './styles.css';

const PAGES = [
  { path: '/analyse', title: 'Analyse', page: AnalysePage },
  { path: '/faces', title: 'Faces', page: FacesPage },
  { path: '/custom-labels', title: 'Custom Labels', page: CustomLabelsPage },
  { path: '/video', title: 'Video', page: VideoPage },
  { path: '/buckets', title: 'Buckets', page: BucketsPage },
  { path: '/health', title: 'Health', page: HealthPage },
] as const;

function App() {
  const path = usePath();
  const [session, setSession] = useState(loadSession());
  if (!session) return <LoginPage onLogin={() => setSession(loadSession())} />;
  const current = PAGES.find((p) => path === p.path || path.startsWith(p.path + '/')) ?? PAGES[0];
  const Page = current.page;
  return (
    <>
      <header>
        <strong class="brand">Argus</strong>
        <nav>
          {PAGES.map((p) => (
            <Link to={p.path} class={p === current ? 'active' : undefined}>
              {p.title}
            </Link>
          ))}
        </nav>
        <span class="who">
          {session.accessKeyId}
          <button
            onClick={() => {
              clearSession();
              setSession(undefined);
              navigate('/');
            }}
          >
            Log out
          </button>
        </span>
      </header>
      <main>
        <Page path={path.slice(current.path.length)} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
