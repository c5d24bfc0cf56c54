/**
 * A card typed into the payment form, checked in the browser, and turned into what the API takes:
 * a payment gateway token with the brand, last four digits and expiry month. The card number
 * never leaves this module. With Stripe, the card is typed into Stripe.js's own card form instead
 * and goes from there to Stripe only; our server reads back what it may keep.
 */
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import type { Body } from '../../api/answers';
import { api, must } from '../../api/client';

export type CardOnFile = Body<'/customers/{customerId}/payment-method', 'put'>;
export type Brand = CardOnFile['brand'];

/** The brand from the number's leading digits (issuer ranges), 'other' when none matches. */
export function brandOf(digits: string): Brand {
  if (/^4/.test(digits)) return 'visa';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/.test(digits)) return 'mastercard';
  if (/^(6011|65|64[4-9])/.test(digits)) return 'discover';
  return 'other';
}

/** The Luhn checksum every card number carries: catches a mistyped digit or two swapped. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export function digitsOf(text: string): string {
  return text.replace(/[\s-]/g, '');
}

/** What is wrong with the typed number, or null. */
export function numberProblem(text: string): string | null {
  const digits = digitsOf(text);
  if (!digits) return 'Type the card number';
  if (!/^\d+$/.test(digits)) return 'Only digits (spaces are fine)';
  if (digits.length < 12 || digits.length > 19) return 'A card number has 12 to 19 digits';
  if (!luhnValid(digits)) return 'This number has a typo: check it against the card';
  return null;
}

/** 'MM/YY' (or 'MM/YYYY') → 'YYYY-MM', or the problem in words. `now` is the user's clock. */
export function expiryOf(text: string, now = new Date()): { expiry: string } | { problem: string } {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return { problem: 'Give the month and year as on the card, e.g. 08/29' };
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return { problem: 'The month is 01 to 12' };
  const expiry = `${year}-${String(month).padStart(2, '0')}`;
  const thisMonth = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  // A card works through the last day of its expiry month.
  if (expiry < thisMonth) return { problem: 'This card has expired' };
  if (year > now.getFullYear() + 20) return { problem: 'Check the year: that is far ahead' };
  return { expiry };
}

/**
 * Hands the card to the sandbox gateway's card form and returns its token with what may be shown.
 * The embedded sandbox's form is served by the API (its test cards: README, Payments); with Stripe
 * the card goes through Stripe.js instead (`mountStripeCard`, `confirmStripeCard`).
 */
export async function tokenize(digits: string, expiry: string): Promise<CardOnFile> {
  // The gateway's card form takes the number and answers with its token (the sandbox's is served
  // by our API: README, Payments); only the token and what may be shown go to the customer's profile.
  const [year, month] = expiry.split('-').map(Number);
  const saved = must(await api.POST('/payments/sandbox/cards', { body: { number: digits, expMonth: month!, expYear: year! } }));
  return { gatewayToken: saved.gatewayToken, brand: saved.brand, last4: saved.last4, expiry: saved.expiry };
}

/** Stripe.js's card form, mounted on the page: what is typed in it goes to Stripe only. */
export interface StripeCardForm {
  stripe: Stripe;
  card: StripeCardElement;
}

/** What Stripe said of the card typed into its form (declined, incomplete): shown on the card field. */
export class StripeCardProblem extends Error {
  override readonly name = 'StripeCardProblem';
}

/** Loads Stripe.js with the publishable key and mounts its card form in `container`. */
export async function mountStripeCard(publishableKey: string, container: HTMLElement, onChange: (problem: string | null) => void): Promise<StripeCardForm> {
  // The "pure" loader fetches Stripe.js only when called: with the sandbox gateway it never is.
  const { loadStripe } = await import('@stripe/stripe-js/pure');
  const stripe = await loadStripe(publishableKey);
  if (!stripe) throw new Error("Stripe's card form could not be loaded.");
  const card = stripe.elements().create('card');
  card.on('change', (event) => onChange(event.error?.message ?? null));
  card.mount(container);
  return { stripe, card };
}

/**
 * Confirms the card typed into Stripe's form for later charges: our server begins a setup,
 * Stripe.js confirms it with the card (the bank may ask the customer to authenticate), and the
 * confirmed setup's id is returned for our server to save the card from.
 */
export async function confirmStripeCard(form: StripeCardForm, customerId: string): Promise<string> {
  const setup = must(await api.POST('/customers/{customerId}/payment-method/setup', { params: { path: { customerId } } }));
  const result = await form.stripe.confirmCardSetup(setup.clientSecret, { payment_method: { card: form.card } });
  if (result.error) throw new StripeCardProblem(result.error.message ?? 'Stripe refused the card.');
  return result.setupIntent.id;
}
