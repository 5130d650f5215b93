import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../shared/styles.css";

function App() {
  return (
    <main>
      <h1>admin</h1>
    </main>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
