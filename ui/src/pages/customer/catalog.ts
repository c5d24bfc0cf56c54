import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import type { Answer } from '../../api/answers';

export type CatalogModel = Answer<'/catalog/models', 'get'>['models'][number];

const CACHE_KEY = 'sysops.catalog';

/**
 * The appliance catalog for the ticket form, kept in the browser: the last copy is shown at once
 * and still works when the catalog service is slow or down (the form then also offers free text).
 */
export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: async () => {
      const { models } = must(await api.GET('/catalog/models', { params: { query: {} } }));
      localStorage.setItem(CACHE_KEY, JSON.stringify({ savedAt: Date.now(), models }));
      return models;
    },
    initialData: cached,
    initialDataUpdatedAt: () => (JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as { savedAt?: number } | null)?.savedAt,
    staleTime: 60 * 60_000,
    retry: 1,
  });
}

function cached(): CatalogModel[] | undefined {
  try {
    return (JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as { models?: CatalogModel[] } | null)?.models;
  } catch {
    return undefined;
  }
}

export type Category = Answer<'/catalog/categories', 'get'>['categories'][number];

/** The appliance kinds, each with the first visit a ticket for it proposes (kept in the browser like the models). */
export function useCategories() {
  return useQuery({
    queryKey: ['catalog', 'categories'],
    queryFn: async () => {
      const { categories } = must(await api.GET('/catalog/categories'));
      localStorage.setItem(CATEGORIES_KEY, JSON.stringify(categories));
      return categories;
    },
    initialData: () => {
      try {
        return (JSON.parse(localStorage.getItem(CATEGORIES_KEY) ?? 'null') as Category[] | null) ?? undefined;
      } catch {
        return undefined;
      }
    },
    staleTime: 60 * 60_000,
    retry: 1,
  });
}

const CATEGORIES_KEY = 'sysops.categories';

/** How a ticket's appliance reads: the catalog's brand and model when it has one, else the customer's own words. */
export function useApplianceName(): (appliance: { modelId: string | null; text: string | null }) => string {
  const catalog = useCatalog();
  return (appliance) => {
    const model = appliance.modelId ? catalog.data?.find((m) => m.modelId === appliance.modelId) : undefined;
    return model ? `${model.brand} ${model.model}` : (appliance.text ?? appliance.modelId ?? 'Appliance');
  };
}
