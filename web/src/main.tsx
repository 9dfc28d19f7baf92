import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineSession } from './audio/EngineSession';
import { App } from './app/App';
import { OpenedProjectContext } from './app/appContext';
import { openProject } from './app/projectBoot';
import { EngineSessionContext } from './app/useEngineSession';
import { ProjectStoreContext } from './state/useProject';
import './app/styles.css';

const session = new EngineSession();
const project = await openProject();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineSessionContext.Provider value={session}>
      <ProjectStoreContext.Provider value={project.store}>
        <OpenedProjectContext.Provider value={project}>
          <App />
        </OpenedProjectContext.Provider>
      </ProjectStoreContext.Provider>
    </EngineSessionContext.Provider>
  </StrictMode>,
);
