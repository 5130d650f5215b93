import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import "../shared/styles.css";
import { App } from "./App.tsx";
import { createStaffQueryClient } from "./session.tsx";

// Fresh data without reloads: refetch when the tab regains focus and every minute.
const queryClient = createStaffQueryClient(60_000);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/admin">
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
}
