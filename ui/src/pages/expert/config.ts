import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';

/** The server's settings for the app (the maps' tiles); kept offline with the schedule. */
export function useWebAppConfig() {
  return useQuery({
    queryKey: ['web-app-config'],
    queryFn: async () => must(await api.GET('/web-app/config')),
    staleTime: 3600_000,
  });
}
