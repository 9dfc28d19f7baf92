import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineSession } from './audio/EngineSession';
import { App } from './app/App';
import { EngineSessionContext } from './app/useEngineSession';
import './app/styles.css';

const session = new EngineSession();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineSessionContext.Provider value={session}>
      <App />
    </EngineSessionContext.Provider>
  </StrictMode>,
);
