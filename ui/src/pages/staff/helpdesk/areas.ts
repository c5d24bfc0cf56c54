import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../../api/client';

/** Where customers live (postal code, city): the queue's and the board's area filter. */
export function useAreas() {
  return useQuery({ queryKey: ['helpdesk', 'areas'], queryFn: async () => must(await api.GET('/helpdesk/areas')).areas, staleTime: 10 * 60_000 });
}
