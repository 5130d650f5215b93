import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, StrictMode, useEffect, useRef } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Link, Navigate, NavLink, Route, Routes, useLocation, useParams } from "react-router";
import { ApiError } from "../shared/api/http.ts";
import { ErrorAlert } from "../shared/ui.tsx";
import { meKeys } from "./api/me.ts";
import "../shared/styles.css";
import "./portal.css";
import { Dashboard } from "./Dashboard.tsx";
import { History } from "./History.tsx";
import { Landing } from "./Landing.tsx";
import { Profile } from "./Profile.tsx";
import { Rewards } from "./Rewards.tsx";
import { SignIn } from "./SignIn.tsx";
import { useLanding, useMemberSession, useSignOut } from "./session.tsx";

const queryClient: QueryClient = new QueryClient({
  // A session that ended meanwhile (expired, signed out elsewhere, member blocked): back to sign-in.
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== meKeys.session[0]) {
        queryClient.setQueryData(meKeys.session, null);
      }
    },
  }),
  defaultOptions: {
    queries: {
      // Fresh data without reloads: refetch when the member comes back to the tab.
      refetchOnWindowFocus: true,
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

/** Moves focus to the page after each navigation, so keyboard and screen reader users start there. */
function useFocusOnNavigate() {
  const main = useRef<HTMLElement>(null);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation on purpose
  useEffect(() => {
    main.current?.focus();
  }, [location.pathname]);
  return main;
}

/** One programme's portal: public pages for everyone, the member's pages once signed in to this programme. */
function Portal() {
  const { programId = "" } = useParams();
  const landing = useLanding(programId);
  const session = useMemberSession();
  const main = useFocusOnNavigate();
  if (landing.isPending || session.isPending) return <p className="centered">Loading…</p>;
  if (landing.error) {
    return (
      <main className="centered panel" ref={main} tabIndex={-1}>
        <h1>
          {landing.error instanceof ApiError && landing.error.status === 404 ? "Programme not found" : "Something went wrong"}
        </h1>
        <ErrorAlert error={landing.error} />
      </main>
    );
  }
  if (session.error) return <ErrorAlert error={session.error} />;
  // A session of another programme does not sign the member in here.
  const signedIn = session.data?.programId === programId ? session.data : null;
  const name = landing.data.program.name;
  const base = `/${programId}`;
  const member = (page: ReactNode) => (signedIn ? page : <Navigate to={`${base}/sign-in`} replace />);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header programId={programId} name={name} signedIn={Boolean(signedIn)} />
      {signedIn && (
        <nav className="portal-nav" aria-label="Your account">
          <div className="inner">
            <NavLink to={`${base}/me`} end>
              Home
            </NavLink>
            <NavLink to={`${base}/me/rewards`}>Rewards</NavLink>
            <NavLink to={`${base}/me/history`}>History</NavLink>
            <NavLink to={`${base}/me/profile`}>Profile</NavLink>
          </div>
        </nav>
      )}
      <main id="main" className="portal-main" ref={main} tabIndex={-1}>
        <Routes>
          <Route index element={signedIn ? <Navigate to={`${base}/me`} replace /> : <Landing landing={landing.data} />} />
          <Route
            path="sign-in"
            element={signedIn ? <Navigate to={`${base}/me`} replace /> : <SignIn programId={programId} name={name} />}
          />
          <Route path="me" element={member(<Dashboard programId={programId} />)} />
          <Route path="me/rewards" element={member(<Rewards />)} />
          <Route path="me/history" element={member(<History />)} />
          <Route path="me/profile" element={member(<Profile programId={programId} />)} />
          <Route path="*" element={<NotFound base={base} />} />
        </Routes>
      </main>
    </>
  );
}

function Header({ programId, name, signedIn }: { programId: string; name: string; signedIn: boolean }) {
  const signOut = useSignOut(programId);
  return (
    <header className="portal-header">
      <div className="inner">
        <Link to={signedIn ? `/${programId}/me` : `/${programId}`}>{name}</Link>
        {signedIn ? (
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        ) : (
          <Link to={`/${programId}/sign-in`} style={{ fontWeight: 500, fontSize: "1rem" }}>
            Sign in
          </Link>
        )}
      </div>
    </header>
  );
}

function NotFound({ base }: { base: string }) {
  return (
    <>
      <h1>Page not found</h1>
      <Link to={base}>Back to the start</Link>
    </>
  );
}

function NoProgramme() {
  return (
    <main className="centered panel">
      <h1>Rewards</h1>
      <p>Open the link your loyalty programme gave you: it names the programme.</p>
    </main>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/portal">
          <Routes>
            <Route path=":programId/*" element={<Portal />} />
            <Route path="*" element={<NoProgramme />} />
          </Routes>
        </BrowserRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
}
