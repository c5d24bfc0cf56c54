import { Center, Loader } from '@mantine/core';
import { QueryClient } from '@tanstack/react-query';
import { lazy, ReactNode, Suspense, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation, useParams } from 'react-router';
import { homeOf, session, SignedIn } from './auth/session';
import { connectLive } from './live/socket';
import { LiveContext, LiveEvents } from './live/context';
import { LoginPage } from './pages/LoginPage';
import { Shell } from './shell/Shell';

// Each role's app is its own chunk, loaded when the role signs in: the login page, the first thing
// everyone loads, does not carry every app's code.
const CustomerPortal = lazy(() => import('./pages/customer/CustomerPortal').then((m) => ({ default: m.CustomerPortal })));
const ExpertApp = lazy(() => import('./pages/expert/ExpertApp').then((m) => ({ default: m.ExpertApp })));
const StaffApp = lazy(() => import('./pages/staff/StaffApp').then((m) => ({ default: m.StaffApp })));
const SurveyPage = lazy(() => import('./pages/survey/SurveyPage').then((m) => ({ default: m.SurveyPage })));

function Loading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <Center h="50vh">
          <Loader aria-label="Loading" />
        </Center>
      }
    >
      {children}
    </Suspense>
  );
}

export function App({ queries }: { queries: QueryClient }) {
  const [user, setUser] = useState<SignedIn | null | undefined>(undefined);
  const [live] = useState(() => new LiveEvents());

  useEffect(() => {
    const unsubscribe = session.subscribe((next) => {
      setUser(next);
      if (!next) queries.clear(); // nothing of the last user stays in the cache
    });
    session.resume().then(setUser, () => setUser(null));
    return () => {
      unsubscribe();
    };
  }, [queries]);

  useEffect(() => {
    if (!user) return;
    const connection = connectLive(queries, (name, payload) => live.emit(name, payload));
    return () => connection.close();
  }, [user, queries, live]);

  if (user === undefined) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  return (
    <LiveContext.Provider value={live}>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={user ? <Navigate to={homeOf(user.role)} replace /> : <LoginPage />} />
          {/* Public: the e-mailed survey link is the credential, signed in or not. */}
          <Route path="/feedback/:token" element={<Loading><SurveyPage /></Loading>} />
          <Route path="/survey/:token" element={<OldSurveyLink />} />
          <Route element={<RequireUser user={user} />}>
            <Route path="/portal/*" element={<Shell user={user!}><Loading><CustomerPortal user={user!} /></Loading></Shell>} />
            <Route path="/field/*" element={<Shell user={user!}><Loading><ExpertApp user={user!} /></Loading></Shell>} />
            <Route path="/staff/*" element={<Shell user={user!}><Loading><StaffApp user={user!} /></Loading></Shell>} />
          </Route>
          <Route path="*" element={<Navigate to={user ? homeOf(user.role) : '/login'} replace />} />
        </Routes>
      </BrowserRouter>
    </LiveContext.Provider>
  );
}

/** Survey links e-mailed before pointed at the API path /survey/{token}: its page loads land here. */
function OldSurveyLink() {
  const { token = '' } = useParams();
  return <Navigate to={`/feedback/${token}`} replace />;
}

function RequireUser({ user }: { user: SignedIn | null }) {
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  const home = homeOf(user.role);
  // Each role has its own app: another role's page sends the user home.
  if (!location.pathname.startsWith(home)) return <Navigate to={home} replace />;
  return <Outlet />;
}
