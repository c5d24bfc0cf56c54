/** The signed-in customer's account (profile, plans, card on file) and how billing amounts read. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { actionKey, api, ApiError, must } from '../../api/client';
import type { Answer } from '../../api/answers';

export type Me = Answer<'/customers/me', 'get'>;
export type Plan = Me['plans'][number];
export type Card = NonNullable<Me['paymentMethod']>;
export type Invoice = Answer<'/customers/{customerId}/invoices', 'get'>['invoices'][number];
export type Tier = Answer<'/catalog/support-plans', 'get'>['tiers'][number];

export const ME = ['customer', 'me'] as const;

/** GET /customers/me: the profile, every plan and the card on file. */
export function useMe() {
  return useQuery({ queryKey: ME, queryFn: async () => must(await api.GET('/customers/me')) });
}

/** The support plan tiers on offer with their monthly prices (the same for everyone: cached long). */
export function useTiers() {
  return useQuery({
    queryKey: ['catalog', 'support-plans'],
    queryFn: async () => must(await api.GET('/catalog/support-plans')).tiers,
    staleTime: 60 * 60_000,
  });
}

/** An amount in cents as the user's locale writes money. */
export function money(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

/** '2026-03' → 'March 2026'. */
export function monthName(period: string): string {
  const [year, month] = period.split('-').map(Number);
  return new Date(Date.UTC(year!, month! - 1, 1)).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A day, without the time: due dates, purchase dates. */
export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function tierName(tier: string): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}

/** A plan's product as people say it: 'washer' → 'Washer', 'range-hood' → 'Range hood'. */
export function productName(product: string): string {
  const words = product.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', other: 'Card' };

export function brandName(brand: string | null): string {
  return brand ? (BRANDS[brand] ?? 'Card') : 'Card';
}

/** '2029-08' → '08/2029'. */
export function expiryText(expiry: string): string {
  const [year, month] = expiry.split('-');
  return `${month}/${year}`;
}

/** The card as it may be shown: brand and last four digits only. */
export function maskedCard(card: Card): string {
  return `${brandName(card.brand)} •••• ${card.last4}`;
}

/**
 * The Idempotency-Key of the action being prepared: kept while the user retries the same action
 * (a retried request then changes nothing twice), renewed once it succeeded.
 */
export function useActionKey(): [string, () => void] {
  const [key, setKey] = useState(actionKey);
  return [key, () => setKey(actionKey())];
}

/** A problem's words for the user: the detail, with the fields a 400 names. */
export function problemText(error: Error): string {
  if (!(error instanceof ApiError)) return error.message;
  const fields = error.problem.errors?.map((e) => `${e.field}: ${e.message}`) ?? [];
  return [error.message, ...fields].join(' ');
}

/** The domain rule a refusal names (e.g. 'card-expired'), if any. */
export function problemCode(error: Error | null): string | undefined {
  return error instanceof ApiError ? error.problem.code : undefined;
}

export function problemStatus(error: Error | null): number | undefined {
  return error instanceof ApiError ? error.problem.status : undefined;
}
