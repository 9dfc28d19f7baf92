import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineSession } from './audio/EngineSession';
import { App } from './app/App';
import { OpenedProjectContext } from './app/appContext';
import { openProject } from './app/projectBoot';
import { EngineSessionContext } from './app/useEngineSession';
import { ApiClient } from './server/apiClient';
import { ServerSession } from './server/serverSession';
import { ServerSessionContext } from './server/useServer';
import { ProjectStoreContext } from './state/useProject';
import './app/styles.css';

const session = new EngineSession();
const project = await openProject();
// The server link is optional: the app starts at once and works signed out or offline.
// `?live=off` keeps a page on explicit saves (as when a proxy blocks WebSockets).
const liveOff = new URLSearchParams(location.search).get('live') === 'off';
const server = new ServerSession(new ApiClient(), project.store, undefined, liveOff ? () => null : undefined);
void server.init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineSessionContext.Provider value={session}>
      <ProjectStoreContext.Provider value={project.store}>
        <OpenedProjectContext.Provider value={project}>
          <ServerSessionContext.Provider value={server}>
            <App />
          </ServerSessionContext.Provider>
        </OpenedProjectContext.Provider>
      </ProjectStoreContext.Provider>
    </EngineSessionContext.Provider>
  </StrictMode>,
);
