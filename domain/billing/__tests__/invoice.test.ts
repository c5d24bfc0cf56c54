import fc from 'fast-check';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { Actor, DomainError } from '../../decider';
import {
  amountDue,
  ChargeOutcome,
  InvoiceCommand,
  invoiceDecider,
  InvoiceEvent,
  invoiceId,
  InvoiceLine,
  InvoiceState,
  linesForActivePlans,
  MAX_CHARGE_ATTEMPTS,
  nextPeriod,
  paidUntilFor,
  periodOf,
  periodStart,
  refundedCents,
  RefundOutcome,
} from '../invoice';

const SYSTEM: Actor = { userId: 'billing-saga', role: 'system' };
const HELPDESK: Actor = { userId: 'h1', role: 'helpdesk' };
const MANAGER: Actor = { userId: 'm1', role: 'manager' };
const ADMIN: Actor = { userId: 'a1', role: 'admin' };
const CUSTOMER: Actor = { userId: 'u-c1', role: 'customer' };

const at = TEST_NOW.toISOString();
const ID = 'c1:2026-03';
const ref = { invoiceId: ID, customerId: 'c1', period: '2026-03' };
const address = { customerId: 'c1', period: '2026-03' };
const washer: InvoiceLine = { planId: 'p1', product: 'washer', tier: 'standard', amountCents: 1299 };
const dryer: InvoiceLine = { planId: 'p2', product: 'dryer', tier: 'basic', amountCents: 799 };
const dueAt = '2026-03-15T00:00:00.000Z';

const issued: InvoiceEvent = {
  type: 'InvoiceIssued',
  data: { ...ref, lines: [washer, dryer], totalCents: 2098, currency: 'USD', dueAt, issuedAt: at },
};
const failed = (attempt: number): InvoiceEvent => ({
  type: 'InvoiceChargeFailed',
  data: { ...ref, attempt, reason: 'card declined', gatewayCode: 'card_declined', failedAt: at },
});
const retried = (attempt: number): InvoiceEvent => ({ type: 'InvoiceChargeRetried', data: { ...ref, attempt, requestedBy: 'billing-saga', requestedAt: at } });
const paid: InvoiceEvent = {
  type: 'InvoicePaid',
  data: { ...ref, amountCents: 2098, gatewayReference: 'ch_1', attempt: 1, paidAt: at, paidUntil: '2026-04-01T00:00:00.000Z' },
};
const writtenOff: InvoiceEvent = {
  type: 'InvoiceWrittenOff',
  data: { ...ref, amountCents: 2098, reason: 'customer unreachable', writtenOffBy: 'h1', writtenOffAt: at },
};

const refundRequested = (refundId: string, amountCents: number): InvoiceEvent => ({
  type: 'InvoiceRefundRequested',
  data: { ...ref, refundId, amountCents, reason: 'visit cancelled', requestedBy: 'a1', requestedAt: at },
});
const refunded = (refundId: string, amountCents: number): InvoiceEvent => ({ type: 'InvoiceRefunded', data: { ...ref, refundId, amountCents, gatewayReference: 're_1', refundedAt: at } });
const refundFailed = (refundId: string): InvoiceEvent => ({ type: 'InvoiceRefundFailed', data: { ...ref, refundId, reason: 'charge already refunded', failedAt: at } });
const credited = (creditNoteId: string, amountCents: number): InvoiceEvent => ({
  type: 'CreditNoteIssued',
  data: { ...ref, creditNoteId, amountCents, reason: 'visit late', issuedBy: 'a1', issuedAt: at },
});
/** Issued at zero: a credit line covers the plan. */
const issuedCovered: InvoiceEvent = {
  type: 'InvoiceIssued',
  data: { ...ref, lines: [{ planId: 'cn0', product: 'credit', amountCents: -1299, kind: 'credit' }, washer], totalCents: 0, currency: 'USD', dueAt, issuedAt: at },
};
const settled: InvoiceEvent = { type: 'InvoicePaid', data: { ...ref, amountCents: 0, gatewayReference: 'credit', attempt: 1, paidAt: at, paidUntil: '2026-04-01T00:00:00.000Z' } };
const amountDueOf = (...history: InvoiceEvent[]) => {
  const state = history.reduce(invoiceDecider.evolve, invoiceDecider.initialState());
  return state.status === 'unknown' ? null : amountDue(state);
};

const cmd = <T extends InvoiceCommand['type']>(type: T, data: Extract<InvoiceCommand, { type: T }>['data'], actor: Actor = SYSTEM) =>
  command<InvoiceCommand>(type, data, { actor });
const issue = (lines: InvoiceLine[] = [washer, dryer], actor: Actor = SYSTEM) => cmd('issueInvoice', { ...address, lines, currency: 'USD', dueAt }, actor);
const succeeded = (gatewayReference = 'ch_1', amountCents = 2098, graceDays?: number): ChargeOutcome =>
  graceDays === undefined ? { kind: 'chargeSucceeded', gatewayReference, amountCents } : { kind: 'chargeSucceeded', gatewayReference, amountCents, graceDays };
const declined: ChargeOutcome = { kind: 'chargeFailed', reason: 'card declined', gatewayCode: 'card_declined' };
const charge = (outcome: ChargeOutcome, actor: Actor = SYSTEM) => cmd('recordChargeAttempt', { ...address, outcome }, actor);

describe('Invoice', () => {
  const spec = specifyDecider(invoiceDecider);

  describe('issueInvoice', () => {
    it('issues an invoice with its total', () => spec.given().when(issue()).then(issued));
    it('stores the lines in plan order', () => spec.given().when(issue([dryer, washer])).then(issued));
    it('an identical repeat bills nothing again', () => spec.given(issued).when(issue([dryer, washer])).thenNothingHappens());
    it('an identical repeat after payment bills nothing again', () => spec.given(issued, paid).when(issue()).thenNothingHappens());
    it('rejects other lines for a month already billed', () => spec.given(issued).when(issue([washer])).thenFails('invoice-already-issued'));
    it('rejects another due date for a month already billed', () =>
      spec.given(issued).when(cmd('issueInvoice', { ...address, lines: [washer, dryer], currency: 'USD', dueAt: '2026-03-20T00:00:00.000Z' })).thenFails('invoice-already-issued'));
    it('rejects an invoice without lines', () => spec.given().when(issue([])).thenFails('no-lines'));
    it('rejects a zero amount', () => spec.given().when(issue([{ ...washer, amountCents: 0 }])).thenFails('invalid-amount'));
    it('rejects a fractional amount', () => spec.given().when(issue([{ ...washer, amountCents: 12.5 }])).thenFails('invalid-amount'));
    it('rejects a plan billed twice', () => spec.given().when(issue([washer, { ...washer, product: 'dryer' }])).thenFails('duplicate-line'));
    it('rejects a line without a product', () => spec.given().when(issue([{ ...washer, product: ' ' }])).thenFails('invalid-line'));
    it('rejects a malformed period', () =>
      spec.given().when(cmd('issueInvoice', { customerId: 'c1', period: '2026-13', lines: [washer], currency: 'USD', dueAt })).thenFails('invalid-period'));
    it('rejects a missing customer', () =>
      spec.given().when(cmd('issueInvoice', { customerId: ' ', period: '2026-03', lines: [washer], currency: 'USD', dueAt })).thenFails('invalid-customer'));
    it('rejects another currency', () =>
      spec
        .given()
        .when(command<InvoiceCommand>('issueInvoice', { ...address, lines: [washer], currency: 'EUR', dueAt } as unknown as Extract<InvoiceCommand, { type: 'issueInvoice' }>['data'], { actor: SYSTEM }))
        .thenFails('unsupported-currency'));
    it('rejects a malformed due date', () =>
      spec.given().when(cmd('issueInvoice', { ...address, lines: [washer], currency: 'USD', dueAt: 'soon' })).thenFails('invalid-date'));
    it('is for the billing saga or an admin', () => spec.given().when(issue(undefined, CUSTOMER)).thenFails('forbidden'));
  });

  describe('recordChargeAttempt', () => {
    it('a successful charge pays the invoice until the first instant of the next month', () => spec.given(issued).when(charge(succeeded())).then(paid));
    it('adds the grace days to paid-until', () =>
      spec
        .given(issued)
        .when(charge(succeeded('ch_1', 2098, 3)))
        .then({ type: 'InvoicePaid', data: { ...paid.data, paidUntil: '2026-04-04T00:00:00.000Z' } } as InvoiceEvent));
    it('a success after a retry records the attempt that succeeded', () =>
      spec
        .given(issued, failed(1), retried(2))
        .when(charge(succeeded()))
        .then({ type: 'InvoicePaid', data: { ...paid.data, attempt: 2 } } as InvoiceEvent));
    it('a failed charge records the attempt number', () => spec.given(issued).when(charge(declined)).then(failed(1)));
    it('the retried attempt fails with the next number', () => spec.given(issued, failed(1), retried(2)).when(charge(declined)).then(failed(2)));
    it('records a gateway that never answered', () =>
      spec
        .given(issued)
        .when(charge({ kind: 'chargeFailed', reason: 'gateway timeout', gatewayCode: null }))
        .then({ type: 'InvoiceChargeFailed', data: { ...ref, attempt: 1, reason: 'gateway timeout', gatewayCode: null, failedAt: at } }));
    it('the same payment reported again changes nothing', () => spec.given(issued, paid).when(charge(succeeded())).thenNothingHappens());
    it('never pays an invoice twice', () => spec.given(issued, paid).when(charge(succeeded('ch_2'))).thenFails('invoice-already-paid'));
    it('rejects a failure for a paid invoice', () => spec.given(issued, paid).when(charge(declined)).thenFails('invoice-already-paid'));
    it('never pays a written-off invoice', () => spec.given(issued, writtenOff).when(charge(succeeded())).thenFails('invoice-written-off'));
    it('rejects an outcome when no attempt is under way', () => spec.given(issued, failed(1)).when(charge(declined)).thenFails('no-charge-pending'));
    it('rejects a success when no attempt is under way', () => spec.given(issued, failed(1)).when(charge(succeeded())).thenFails('no-charge-pending'));
    it('rejects an amount other than the total', () => spec.given(issued).when(charge(succeeded('ch_1', 1299))).thenFails('amount-mismatch'));
    it('rejects a success without gateway reference', () => spec.given(issued).when(charge(succeeded(' '))).thenFails('invalid-gateway-reference'));
    it('rejects negative grace', () => spec.given(issued).when(charge(succeeded('ch_1', 2098, -1))).thenFails('invalid-grace'));
    it('rejects a failure without reason', () =>
      spec.given(issued).when(charge({ kind: 'chargeFailed', reason: '', gatewayCode: 'x' })).thenFails('reason-required'));
    it('rejects an unknown invoice', () => spec.given().when(charge(succeeded())).thenFails('invoice-not-found'));
    it('is for the billing saga or an admin', () => spec.given(issued).when(charge(succeeded(), HELPDESK)).thenFails('forbidden'));
  });

  describe('retryCharge', () => {
    it('starts the next attempt after a failure', () => spec.given(issued, failed(1)).when(cmd('retryCharge', address)).then(retried(2)));
    it('helpdesk may retry', () =>
      spec
        .given(issued, failed(1))
        .when(cmd('retryCharge', address, HELPDESK))
        .then({ type: 'InvoiceChargeRetried', data: { ...ref, attempt: 2, requestedBy: 'h1', requestedAt: at } }));
    it(`stops after ${MAX_CHARGE_ATTEMPTS} attempts by default`, () =>
      spec
        .given(issued, failed(1), retried(2), failed(2), retried(3), failed(3), retried(4), failed(4))
        .when(cmd('retryCharge', address))
        .thenFails('max-attempts-reached'));
    it('allows the fourth attempt by default', () =>
      spec.given(issued, failed(1), retried(2), failed(2), retried(3), failed(3)).when(cmd('retryCharge', address)).then(retried(4)));
    it('honours a maximum given in the command', () =>
      spec.given(issued, failed(1), retried(2), failed(2)).when(cmd('retryCharge', { ...address, maxAttempts: 2 })).thenFails('max-attempts-reached'));
    it('rejects an invalid maximum', () => spec.given(issued, failed(1)).when(cmd('retryCharge', { ...address, maxAttempts: 0 })).thenFails('invalid-max-attempts'));
    it('rejects a retry before any failure', () => spec.given(issued).when(cmd('retryCharge', address)).thenFails('no-failed-charge'));
    it('rejects a retry while the retried attempt is under way', () => spec.given(issued, failed(1), retried(2)).when(cmd('retryCharge', address)).thenFails('no-failed-charge'));
    it('rejects a retry of a paid invoice', () => spec.given(issued, paid).when(cmd('retryCharge', address)).thenFails('invoice-already-paid'));
    it('rejects a retry of a written-off invoice', () => spec.given(issued, failed(1), writtenOff).when(cmd('retryCharge', address)).thenFails('invoice-written-off'));
    it('rejects an unknown invoice', () => spec.given().when(cmd('retryCharge', address)).thenFails('invoice-not-found'));
    it('is not for customers', () => spec.given(issued, failed(1)).when(cmd('retryCharge', address, CUSTOMER)).thenFails('forbidden'));
  });

  describe('writeOffInvoice', () => {
    it('helpdesk writes an unpaid invoice off', () =>
      spec.given(issued, failed(1)).when(cmd('writeOffInvoice', { ...address, reason: 'customer unreachable' }, HELPDESK)).then(writtenOff));
    it('a manager may write off', () =>
      spec
        .given(issued)
        .when(cmd('writeOffInvoice', { ...address, reason: 'goodwill' }, MANAGER))
        .then({ type: 'InvoiceWrittenOff', data: { ...ref, amountCents: 2098, reason: 'goodwill', writtenOffBy: 'm1', writtenOffAt: at } }));
    it('a paid invoice cannot be written off', () =>
      spec.given(issued, paid).when(cmd('writeOffInvoice', { ...address, reason: 'oops' }, HELPDESK)).thenFails('invoice-already-paid'));
    it('rejects a second write-off', () =>
      spec.given(issued, writtenOff).when(cmd('writeOffInvoice', { ...address, reason: 'again' }, HELPDESK)).thenFails('invoice-already-written-off'));
    it('needs a reason', () => spec.given(issued).when(cmd('writeOffInvoice', { ...address, reason: ' ' }, HELPDESK)).thenFails('reason-required'));
    it('rejects an unknown invoice', () => spec.given().when(cmd('writeOffInvoice', { ...address, reason: 'x' }, HELPDESK)).thenFails('invoice-not-found'));
    it('is for helpdesk and managers only', () => spec.given(issued).when(cmd('writeOffInvoice', { ...address, reason: 'x' }, SYSTEM)).thenFails('forbidden'));
  });

  describe('refundInvoice', () => {
    const refund = (refundId = 'r1', amountCents = 500, reason = 'visit cancelled', actor: Actor = ADMIN) => cmd('refundInvoice', { ...address, refundId, amountCents, reason }, actor);
    it('an admin asks to refund part of a paid invoice', () => spec.given(issued, paid).when(refund()).then(refundRequested('r1', 500)));
    it('the same refund asked again changes nothing', () => spec.given(issued, paid, refundRequested('r1', 500)).when(refund()).thenNothingHappens());
    it('the same refund id with another amount is refused', () => spec.given(issued, paid, refundRequested('r1', 500)).when(refund('r1', 600)).thenFails('refund-id-taken'));
    it('refunds up to what was paid, over several refunds', () =>
      spec.given(issued, paid, refundRequested('r1', 2000)).when(refund('r2', 98)).then(refundRequested('r2', 98)));
    it('never refunds more than was paid', () => spec.given(issued, paid, refundRequested('r1', 2000)).when(refund('r2', 99)).thenFails('refund-exceeds-payment'));
    it('a failed refund frees its amount again', () =>
      spec.given(issued, paid, refundRequested('r1', 2098), refundFailed('r1')).when(refund('r2', 2098)).then(refundRequested('r2', 2098)));
    it('credits on a paid invoice leave less to refund', () =>
      spec.given(issued, paid, credited('cn1', 1000)).when(refund('r1', 1099)).thenFails('exceeds-invoice-total'));
    it('an invoice settled by credit has nothing to refund', () => spec.given(issuedCovered, settled).when(refund('r1', 1)).thenFails('refund-exceeds-payment'));
    it('only a paid invoice is refunded', () => {
      spec.given(issued).when(refund()).thenFails('invoice-not-paid');
      spec.given(issued, writtenOff).when(refund()).thenFails('invoice-not-paid');
    });
    it('needs a positive whole amount and a reason', () => {
      spec.given(issued, paid).when(refund('r1', 0)).thenFails('invalid-amount');
      spec.given(issued, paid).when(refund('r1', 10.5)).thenFails('invalid-amount');
      spec.given(issued, paid).when(refund('r1', 100, ' ')).thenFails('reason-required');
    });
    it('rejects a malformed refund id', () => spec.given(issued, paid).when(refund('r 1')).thenFails('invalid-id'));
    it('is for admins only', () => {
      spec.given(issued, paid).when(refund('r1', 500, 'x', HELPDESK)).thenFails('forbidden');
      spec.given(issued, paid).when(refund('r1', 500, 'x', SYSTEM)).thenFails('forbidden');
    });
    it('rejects an unknown invoice', () => spec.given().when(refund()).thenFails('invoice-not-found'));
  });

  describe('recordRefundOutcome', () => {
    const outcome = (o: RefundOutcome, refundId = 'r1', actor: Actor = SYSTEM) => cmd('recordRefundOutcome', { ...address, refundId, outcome: o }, actor);
    const done: RefundOutcome = { kind: 'refunded', gatewayReference: 're_1', amountCents: 500 };
    it('a refund the gateway made is recorded', () => spec.given(issued, paid, refundRequested('r1', 500)).when(outcome(done)).then(refunded('r1', 500)));
    it('a refused refund is recorded failed', () =>
      spec.given(issued, paid, refundRequested('r1', 500)).when(outcome({ kind: 'failed', reason: 'charge already refunded' })).then(refundFailed('r1')));
    it('the same outcome again changes nothing', () => {
      spec.given(issued, paid, refundRequested('r1', 500), refunded('r1', 500)).when(outcome(done)).thenNothingHappens();
      spec.given(issued, paid, refundRequested('r1', 500), refundFailed('r1')).when(outcome({ kind: 'failed', reason: 'again' })).thenNothingHappens();
    });
    it('another outcome after one is refused', () =>
      spec.given(issued, paid, refundRequested('r1', 500), refunded('r1', 500)).when(outcome({ kind: 'failed', reason: 'late' })).thenFails('refund-already-settled'));
    it('the amount refunded must be the amount asked', () =>
      spec.given(issued, paid, refundRequested('r1', 500)).when(outcome({ ...done, amountCents: 400 })).thenFails('amount-mismatch'));
    it('needs the gateway reference, or a reason', () => {
      spec.given(issued, paid, refundRequested('r1', 500)).when(outcome({ ...done, gatewayReference: ' ' })).thenFails('invalid-gateway-reference');
      spec.given(issued, paid, refundRequested('r1', 500)).when(outcome({ kind: 'failed', reason: '' })).thenFails('reason-required');
    });
    it('rejects an unknown refund', () => spec.given(issued, paid).when(outcome(done, 'r9')).thenFails('refund-not-found'));
    it('is for the payments saga or an admin', () => spec.given(issued, paid, refundRequested('r1', 500)).when(outcome(done, 'r1', HELPDESK)).thenFails('forbidden'));
  });

  describe('issueCreditNote', () => {
    const credit = (creditNoteId = 'cn1', amountCents = 1000, reason = 'visit late', actor: Actor = ADMIN) => cmd('issueCreditNote', { ...address, creditNoteId, amountCents, reason }, actor);
    it('credits an open invoice whose charge failed: less is owed', () => {
      spec.given(issued, failed(1)).when(credit()).then(credited('cn1', 1000));
      expect(amountDueOf(issued, failed(1), credited('cn1', 1000))).toBe(1098);
    });
    it('credits a paid invoice: the customer keeps it as credit', () => {
      spec.given(issued, paid).when(credit()).then(credited('cn1', 1000));
      expect(amountDueOf(issued, paid, credited('cn1', 1000))).toBe(0);
    });
    it('the same credit note again changes nothing; its id with another amount is refused', () => {
      spec.given(issued, paid, credited('cn1', 1000)).when(credit()).thenNothingHappens();
      spec.given(issued, paid, credited('cn1', 1000)).when(credit('cn1', 999)).thenFails('credit-note-id-taken');
    });
    it('credits never exceed the total', () => {
      spec.given(issued, paid, credited('cn1', 1000)).when(credit('cn2', 1098)).then(credited('cn2', 1098));
      spec.given(issued, paid, credited('cn1', 1000)).when(credit('cn2', 1099)).thenFails('exceeds-invoice-total');
      spec.given(issued, failed(1)).when(credit('cn1', 2099)).thenFails('exceeds-invoice-total');
    });
    it('refunds count against the total too', () => spec.given(issued, paid, refundRequested('r1', 2000)).when(credit('cn1', 99)).thenFails('exceeds-invoice-total'));
    it('not while a charge attempt awaits its outcome', () => spec.given(issued).when(credit()).thenFails('charge-pending'));
    it('never on a written-off invoice', () => spec.given(issued, failed(1), writtenOff).when(credit()).thenFails('invoice-written-off'));
    it('needs a positive whole amount and a reason', () => {
      spec.given(issued, paid).when(credit('cn1', -5)).thenFails('invalid-amount');
      spec.given(issued, paid).when(credit('cn1', 100, '')).thenFails('reason-required');
    });
    it('is for admins only', () => spec.given(issued, paid).when(credit('cn1', 100, 'x', MANAGER)).thenFails('forbidden'));
  });

  describe('settleWithCredit', () => {
    const settle = (graceDays?: number) => cmd('settleWithCredit', graceDays === undefined ? address : { ...address, graceDays });
    it('an invoice its credits cover is paid without a charge', () =>
      spec.given(issued, failed(1), credited('cn1', 2098)).when(settle(2)).then({ type: 'InvoicePaid', data: { ...settled.data, paidUntil: '2026-04-03T00:00:00.000Z' } } as InvoiceEvent));
    it('an invoice issued at zero (credit lines) is settled at once', () => spec.given(issuedCovered).when(settle()).then(settled));
    it('settled again changes nothing', () => spec.given(issuedCovered, settled).when(settle()).thenNothingHappens());
    it('refuses while something is owed', () => spec.given(issued, failed(1), credited('cn1', 2000)).when(settle()).thenFails('amount-still-due'));
    it('refuses a paid or written-off invoice', () => {
      spec.given(issued, paid).when(settle()).thenFails('invoice-already-paid');
      spec.given(issued, writtenOff).when(settle()).thenFails('invoice-written-off');
    });
  });

  describe('credit lines', () => {
    const creditLine: InvoiceLine = { planId: 'cn0', product: 'credit', amountCents: -500, kind: 'credit' };
    it('an invoice deducts customer credit as a line with a negative amount', () =>
      spec
        .given()
        .when(issue([washer, creditLine]))
        .then({ type: 'InvoiceIssued', data: { ...issued.data, lines: [creditLine, washer], totalCents: 799 } } as InvoiceEvent));
    it('never below zero', () => spec.given().when(issue([dryer, { ...creditLine, amountCents: -800 }])).thenFails('negative-total'));
    it('an invoice of credit alone bills no plan', () => spec.given().when(issue([creditLine])).thenFails('no-lines'));
    it('a credit line deducts, names no tier and is of product credit', () => {
      spec.given().when(issue([washer, { ...creditLine, amountCents: 500 }])).thenFails('invalid-amount');
      spec.given().when(issue([washer, { ...creditLine, tier: 'basic' }])).thenFails('invalid-line');
      spec.given().when(issue([washer, { ...creditLine, product: 'washer' }])).thenFails('invalid-line');
    });
    it('a plan line still needs its tier', () => spec.given().when(issue([{ planId: 'p1', product: 'washer', amountCents: 100 }])).thenFails('invalid-line'));
    it('the charge takes what is owed: a payment of the total less open credits', () => {
      spec.given(issued, failed(1), credited('cn1', 98), retried(2)).when(charge(succeeded('ch_1', 2000))).then({ type: 'InvoicePaid', data: { ...paid.data, amountCents: 2000, attempt: 2 } } as InvoiceEvent);
      spec.given(issued, failed(1), credited('cn1', 98), retried(2)).when(charge(succeeded('ch_1', 2098))).thenFails('amount-mismatch');
    });
    it('a write-off writes off what is owed', () =>
      spec
        .given(issued, failed(1), credited('cn1', 98))
        .when(cmd('writeOffInvoice', { ...address, reason: 'customer unreachable' }, HELPDESK))
        .then({ type: 'InvoiceWrittenOff', data: { ...writtenOff.data, amountCents: 2000 } } as InvoiceEvent));
  });

  describe('charge state', () => {
    const fold = (...history: InvoiceEvent[]) => history.reduce(invoiceDecider.evolve, invoiceDecider.initialState());
    const chargeOf = (...history: InvoiceEvent[]) => {
      const state = fold(...history);
      return state.status === 'unknown' ? null : [state.status, state.charge];
    };
    it('follows the outcome: a paid invoice was charged successfully', () => {
      expect(chargeOf(issued)).toEqual(['open', 'pending']);
      expect(chargeOf(issued, paid)).toEqual(['paid', 'succeeded']);
      expect(chargeOf(issued, failed(1), retried(2), { ...paid, data: { ...paid.data, attempt: 2 } })).toEqual(['paid', 'succeeded']);
    });
    it('a write-off cancels an attempt under way and keeps a failure', () => {
      expect(chargeOf(issued, writtenOff)).toEqual(['written-off', 'cancelled']);
      expect(chargeOf(issued, failed(1), writtenOff)).toEqual(['written-off', 'failed']);
    });
  });

  describe('helpers', () => {
    it('invoiceId joins customer and period', () => expect(invoiceId('c1', '2026-03')).toBe(ID));
    it('periodOf takes the UTC month', () => {
      expect(periodOf(TEST_NOW)).toBe('2026-03');
      expect(periodOf('2026-12-31T23:59:59.999Z')).toBe('2026-12');
      expect(() => periodOf('never')).toThrow(DomainError);
    });
    it('nextPeriod rolls over the year', () => {
      expect(nextPeriod('2026-03')).toBe('2026-04');
      expect(nextPeriod('2026-12')).toBe('2027-01');
      expect(() => nextPeriod('2026-3')).toThrow(DomainError);
    });
    it('paidUntilFor is the first instant of the next month plus grace', () => {
      expect(periodStart('2026-03')).toBe('2026-03-01T00:00:00.000Z');
      expect(paidUntilFor('2026-12')).toBe('2027-01-01T00:00:00.000Z');
      expect(paidUntilFor('2026-01', 5)).toBe('2026-02-06T00:00:00.000Z');
    });
    it('linesForActivePlans bills active plans only, in plan order', () =>
      expect(
        linesForActivePlans([
          { planId: 'p2', product: 'dryer', tier: 'basic', monthlyPriceCents: 799, active: true },
          { planId: 'p3', product: 'oven', tier: 'premium', monthlyPriceCents: 2599, active: false },
          { planId: 'p1', product: 'washer', tier: 'standard', monthlyPriceCents: 1299, active: true },
        ]),
      ).toEqual([washer, dryer]));
    it('periodOf and nextPeriod agree with the calendar', () =>
      fc.assert(
        fc.property(fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('9998-12-31T00:00:00.000Z'), noInvalidDate: true }), (date) => {
          const period = periodOf(date);
          expect(Date.parse(periodStart(period))).toBeLessThanOrEqual(date.getTime());
          expect(Date.parse(paidUntilFor(period))).toBeGreaterThan(date.getTime());
          expect(periodOf(paidUntilFor(period))).toBe(nextPeriod(period));
        }),
      ));
  });

  describe('properties', () => {
    const arbActor = fc.constantFrom(SYSTEM, HELPDESK, MANAGER, CUSTOMER);
    const arbCommand: fc.Arbitrary<InvoiceCommand> = fc.oneof(
      fc.tuple(fc.constantFrom<InvoiceLine[]>([washer, dryer], [washer], [dryer, washer]), arbActor).map(([lines, actor]) => issue(lines, actor)),
      fc
        .tuple(fc.constantFrom('ch_1', 'ch_2'), fc.constantFrom(2098, 1299), fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), arbActor)
        .map(([reference, amount, grace, actor]) => charge(succeeded(reference, amount, grace), actor)),
      arbActor.map((actor) => charge(declined, actor)),
      fc.tuple(fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), arbActor).map(([max, actor]) =>
        cmd('retryCharge', max === undefined ? address : { ...address, maxAttempts: max }, actor),
      ),
      fc.tuple(fc.constantFrom('goodwill', ''), arbActor).map(([reason, actor]) => cmd('writeOffInvoice', { ...address, reason }, actor)),
    );
    // Failures and retries dominate so that long attempt chains are explored.
    const arbCommands = fc.array(
      fc.oneof(
        { arbitrary: arbCommand, weight: 3 },
        { arbitrary: fc.constant(charge(declined)), weight: 3 },
        { arbitrary: fc.constant(cmd('retryCharge', address)), weight: 3 },
        { arbitrary: fc.constant(charge(succeeded())), weight: 1 },
      ),
      { maxLength: 30 },
    );

    function run(commands: InvoiceCommand[]) {
      let state = invoiceDecider.initialState();
      const history: InvoiceEvent[] = [];
      const states: InvoiceState[] = [state];
      for (const c of commands) {
        try {
          const events = invoiceDecider.decide(c, state);
          for (const event of events) {
            history.push(event);
            state = invoiceDecider.evolve(state, event);
            states.push(state);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }
      return { state, history, states };
    }

    it('no command sequence pays an invoice twice, pays a written-off one, or writes a paid one off', () =>
      fc.assert(
        fc.property(fc.tuple(fc.constant(issue()), arbCommands), ([first, rest]) => {
          const { history } = run([first, ...rest]);
          const endings = history.filter((e) => e.type === 'InvoicePaid' || e.type === 'InvoiceWrittenOff');
          expect(endings.length).toBeLessThanOrEqual(1);
          if (endings.length === 1) expect(history[history.length - 1]).toBe(endings[0]);
          expect(history.filter((e) => e.type === 'InvoiceIssued')).toHaveLength(1);
        }),
      ));

    it('the attempt count matches the failed attempts, numbered 1..n, never beyond the maximum', () =>
      fc.assert(
        fc.property(fc.tuple(fc.constant(issue()), arbCommands), ([first, rest]) => {
          const { state, history } = run([first, ...rest]);
          if (state.status === 'unknown') throw new Error('the first command issues the invoice');
          const failures = history.filter((e): e is Extract<InvoiceEvent, { type: 'InvoiceChargeFailed' }> => e.type === 'InvoiceChargeFailed');
          const retries = history.filter((e) => e.type === 'InvoiceChargeRetried');
          expect(state.failedAttempts).toBe(failures.length);
          expect(failures.map((e) => e.data.attempt)).toEqual(failures.map((_, i) => i + 1));
          expect(state.attempts).toBe(retries.length + 1);
          expect(state.attempts - state.failedAttempts).toBe(state.charge === 'failed' ? 0 : 1);
          expect(state.attempts).toBeLessThanOrEqual(6);
        }),
      ));

    it('paidUntil is set only by a successful charge, and is the end of the period plus grace', () =>
      fc.assert(
        fc.property(fc.tuple(fc.constant(issue()), arbCommands), ([first, rest]) => {
          const { history, states } = run([first, ...rest]);
          const payments = history.filter((e): e is Extract<InvoiceEvent, { type: 'InvoicePaid' }> => e.type === 'InvoicePaid');
          for (const [i, s] of states.entries()) {
            if (s.status === 'unknown') continue;
            const paidSoFar = history.slice(0, i).some((e) => e.type === 'InvoicePaid');
            expect(s.paidUntil !== null).toBe(paidSoFar);
            expect(s.status === 'paid').toBe(paidSoFar);
          }
          for (const p of payments) {
            expect(p.data.amountCents).toBe(2098);
            expect(Date.parse(p.data.paidUntil)).toBeGreaterThanOrEqual(Date.parse('2026-04-01T00:00:00.000Z'));
          }
        }),
      ));

    it('the charge state always agrees with the invoice status', () =>
      fc.assert(
        fc.property(fc.tuple(fc.constant(issue()), arbCommands), ([first, rest]) => {
          const allowed = { open: ['pending', 'failed'], paid: ['succeeded'], 'written-off': ['failed', 'cancelled'] };
          for (const s of run([first, ...rest]).states) if (s.status !== 'unknown') expect(allowed[s.status]).toContain(s.charge);
        }),
      ));

    it('over charges, refunds and credits: refunds never exceed the payment, credits and refunds never the total, and the cents add up', () => {
      // Amounts that meet each other (a credit of 98 leaves 2000 owed …), and any amount besides.
      const arbCents = fc.oneof(fc.constantFrom(98, 500, 1000, 1098, 2000, 2098), fc.integer({ min: 0, max: 2200 }));
      const arbMoney: fc.Arbitrary<InvoiceCommand> = fc.oneof(
        fc.constantFrom(charge(declined), cmd('retryCharge', address), cmd('settleWithCredit', address), cmd('writeOffInvoice', { ...address, reason: 'gone' }, HELPDESK)),
        arbCents.map((cents) => charge(succeeded(`ch_${cents}`, cents))),
        fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.constantFrom(98, 500, 1000, 2000)).map(([refundId, cents]) => cmd('refundInvoice', { ...address, refundId, amountCents: cents, reason: 'goodwill' }, ADMIN)),
        fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.boolean(), fc.constantFrom(98, 500, 1000, 2000)).map(([refundId, done, cents]) =>
          cmd('recordRefundOutcome', { ...address, refundId, outcome: done ? { kind: 'refunded', gatewayReference: `re_${refundId}`, amountCents: cents } : { kind: 'failed', reason: 'refused' } }),
        ),
        fc.tuple(fc.constantFrom('cn1', 'cn2', 'cn3'), arbCents).map(([creditNoteId, cents]) => cmd('issueCreditNote', { ...address, creditNoteId, amountCents: cents, reason: 'late' }, ADMIN)),
      );
      fc.assert(
        fc.property(fc.boolean(), fc.array(arbMoney, { maxLength: 40 }), (payFirst, rest) => {
          const { history, states } = run([issue(), ...(payFirst ? [charge(succeeded())] : []), ...rest]);
          for (const s of states) {
            if (s.status === 'unknown') continue;
            const credits = s.credits.reduce((sum, c) => sum + c.amountCents, 0);
            const active = s.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amountCents, 0);
            expect(refundedCents(s)).toBeLessThanOrEqual(active);
            expect(active).toBeLessThanOrEqual(s.paidCents);
            expect(credits).toBeLessThanOrEqual(s.totalCents);
            expect(credits + active).toBeLessThanOrEqual(s.totalCents);
            expect(amountDue(s)).toBeGreaterThanOrEqual(0);
          }
          // From the events alone: the total is what credits took off while open, plus what was paid, written off or is still owed.
          const state = states[states.length - 1]!;
          if (state.status === 'unknown') throw new Error('the first command issues the invoice');
          let open = true;
          let creditedWhileOpen = 0;
          let settledCents = 0;
          let refundedByEvents = 0;
          for (const e of history) {
            if (e.type === 'CreditNoteIssued' && open) creditedWhileOpen += e.data.amountCents;
            if (e.type === 'InvoicePaid' || e.type === 'InvoiceWrittenOff') {
              open = false;
              settledCents += e.data.amountCents;
            }
            if (e.type === 'InvoiceRefunded') refundedByEvents += e.data.amountCents;
          }
          expect(creditedWhileOpen + settledCents + amountDue(state)).toBe(state.totalCents);
          expect(refundedByEvents).toBe(refundedCents(state));
          expect(refundedByEvents).toBeLessThanOrEqual(state.paidCents);
        }),
      );
      // The sequences reach refunds done, not only refusals.
      const reached = fc.sample(fc.array(arbMoney, { maxLength: 40 }), 300).filter((rest) => run([issue(), charge(succeeded()), ...rest]).history.some((e) => e.type === 'InvoiceRefunded'));
      expect(reached.length).toBeGreaterThan(0);
    });

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(arbCommands, fc.boolean(), (rest, issueFirst) => {
          const commands = issueFirst ? [issue(), ...rest] : rest;
          const { history, state } = run(commands);
          const fold = () => history.reduce(invoiceDecider.evolve, invoiceDecider.initialState());
          expect(fold()).toEqual(fold());
          expect(fold()).toEqual(state);
        }),
      ));
  });
});
