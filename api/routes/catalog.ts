import { RouteSpec } from '../http/route';
import { ApiServices } from '../services';

// Filled in by the issue-6 work on this resource.
export const catalogRoutes: RouteSpec<never, never, never, ApiServices>[] = [];
