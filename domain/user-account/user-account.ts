/**
 * User account: who may sign in, with which role, linked to the customer or expert they act as.
 *
 * Role links: a `customer` user is linked to exactly one customer (customerId), an `expert` user to
 * exactly one expert (expertId); helpdesk, admin and manager users are linked to neither. Every
 * state of the account satisfies this, because registering and changing the role both check it.
 *
 * Passwords: the domain never sees a password. It receives a hash made by the API and only checks
 * that it looks like one (see `isPasswordHash`), so a plain password cannot slip into an event.
 * Hashes are salted, so the same password hashes differently each time: a repeated hash is a
 * repeated command.
 *
 * Logins are not events (they would flood the store and say nothing about the account); the API
 * logs them.
 */
import { Actor, Command, Decider, DomainError, DomainEvent } from '../decider';

export type UserRole = 'customer' | 'expert' | 'helpdesk' | 'admin' | 'manager';

export const USER_ROLES: ReadonlyArray<UserRole> = ['customer', 'expert', 'helpdesk', 'admin', 'manager'];

export interface RoleLink {
  /** Required for role 'customer', absent otherwise. */
  customerId?: string;
  /** Required for role 'expert', absent otherwise. */
  expertId?: string;
}

// ---- events -------------------------------------------------------------------------------

interface LinkedRole {
  role: UserRole;
  customerId: string | null;
  expertId: string | null;
}

export type UserAccountEvent =
  | DomainEvent<'UserRegistered', LinkedRole & { userId: string; email: string; passwordHash: string; registeredBy: string; registeredAt: string }>
  | DomainEvent<'UserPasswordChanged', { userId: string; passwordHash: string; changedBy: string; changedAt: string }>
  | DomainEvent<'UserDisabled', { userId: string; reason: string; disabledBy: string; disabledAt: string }>
  | DomainEvent<'UserEnabled', { userId: string; enabledBy: string; enabledAt: string }>
  | DomainEvent<'UserRoleChanged', LinkedRole & { userId: string; previousRole: UserRole; changedBy: string; changedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

export type UserAccountCommand =
  | Command<'registerUser', RoleLink & { userId: string; email: string; role: UserRole; passwordHash: string }>
  | Command<'changePassword', { userId: string; passwordHash: string }>
  | Command<'disableUser', { userId: string; reason: string }>
  | Command<'enableUser', { userId: string }>
  | Command<'changeRole', RoleLink & { userId: string; role: UserRole }>;

// ---- state --------------------------------------------------------------------------------

export type UserAccountState =
  | { status: 'unknown' }
  | (LinkedRole & {
      status: 'active' | 'disabled';
      userId: string;
      email: string;
      passwordHash: string;
    });

type Existing = Exclude<UserAccountState, { status: 'unknown' }>;

// ---- helpers ------------------------------------------------------------------------------

/**
 * The accepted password hash formats, in PHC string form: scrypt (`$scrypt$ln=…,r=…,p=…$salt$hash`,
 * what the API makes with node:crypto) and argon2 (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, and the
 * i/d variants).
 */
export const PASSWORD_HASH_PREFIXES: ReadonlyArray<string> = ['$scrypt$', '$argon2id$', '$argon2i$', '$argon2d$'];
/** Shorter than this, a "hash" cannot hold parameters, a salt and a digest. */
export const MIN_PASSWORD_HASH_LENGTH = 40;

/**
 * The rule: a known prefix, at least MIN_PASSWORD_HASH_LENGTH characters, printable ASCII without
 * spaces. It cannot prove the string is a real hash; it stops a plain password or an empty string.
 */
export function isPasswordHash(hash: string): boolean {
  return (
    typeof hash === 'string' &&
    hash.length >= MIN_PASSWORD_HASH_LENGTH &&
    /^[\x21-\x7e]+$/.test(hash) &&
    PASSWORD_HASH_PREFIXES.some((prefix) => hash.startsWith(prefix))
  );
}

/**
 * The form an e-mail is stored and compared in: trimmed and lower-case.
 *
 * Uniqueness of e-mails across users cannot be enforced here: one aggregate sees one user's stream
 * only. The API enforces it outside the domain: before `registerUser` it reserves the normalized
 * e-mail in the users read model's unique index (a reservation keyed by e-mail, holding the new
 * user id); a conflicting reservation is refused as a duplicate, and a reservation whose
 * registration never got recorded is released (or taken over) after a timeout.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isEmail(email: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email);
}

/** The links a role needs: null where the role has none. Throws `invalid-role-link` when they do not fit the role. */
export function linksFor(role: UserRole, link: RoleLink): { customerId: string | null; expertId: string | null } {
  const customerId = link.customerId?.trim() ? link.customerId.trim() : null;
  const expertId = link.expertId?.trim() ? link.expertId.trim() : null;
  if (role === 'customer' && customerId === null) throw new DomainError('invalid-role-link', 'a customer user is linked to a customer');
  if (role === 'expert' && expertId === null) throw new DomainError('invalid-role-link', 'an expert user is linked to an expert');
  if (role !== 'customer' && customerId !== null) throw new DomainError('invalid-role-link', `a ${role} user is not linked to a customer`);
  if (role !== 'expert' && expertId !== null) throw new DomainError('invalid-role-link', `a ${role} user is not linked to an expert`);
  return { customerId, expertId };
}

/** Do the account's links fit its role? True for every state the decider can reach. */
export function hasValidLinks(account: LinkedRole): boolean {
  switch (account.role) {
    case 'customer':
      return account.customerId !== null && account.expertId === null;
    case 'expert':
      return account.expertId !== null && account.customerId === null;
    default:
      return account.customerId === null && account.expertId === null;
  }
}

// ---- decider ------------------------------------------------------------------------------

export const userAccountDecider: Decider<UserAccountState, UserAccountCommand, UserAccountEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'UserRegistered') {
      const { userId, email, role, customerId, expertId, passwordHash } = event.data;
      return { status: 'active', userId, email, role, customerId, expertId, passwordHash };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'UserPasswordChanged':
        return { ...state, passwordHash: event.data.passwordHash };
      case 'UserDisabled':
        return { ...state, status: 'disabled' };
      case 'UserEnabled':
        return { ...state, status: 'active' };
      case 'UserRoleChanged':
        return { ...state, role: event.data.role, customerId: event.data.customerId, expertId: event.data.expertId };
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    const { actor } = command.metadata;
    switch (command.type) {
      case 'registerUser': {
        const { userId, role, passwordHash } = command.data;
        // Admins (and system seeding) create any account; anyone else only registers themselves as a customer.
        if (!isAdministrator(actor) && !(role === 'customer' && actor.userId === userId)) {
          throw new DomainError('forbidden', `a ${actor.role} may not register a ${String(role)} user`);
        }
        if (state.status !== 'unknown') throw new DomainError('user-already-registered', `user ${userId} is already registered`);
        if (!userId.trim()) throw new DomainError('invalid-user', 'a user needs an id');
        const email = normalizeEmail(command.data.email);
        if (!isEmail(email)) throw new DomainError('invalid-email', 'the e-mail address is not valid');
        if (!USER_ROLES.includes(role)) throw new DomainError('invalid-role', `unknown role ${String(role)}`);
        const links = linksFor(role, command.data);
        if (!isPasswordHash(passwordHash)) throw new DomainError('invalid-password-hash', 'give the password hash, never the password');
        return [{ type: 'UserRegistered', data: { userId, email, role, ...links, passwordHash, registeredBy: actor.userId, registeredAt: now } }];
      }
      case 'changePassword': {
        const user = existing(state, command.data.userId);
        if (actor.userId !== user.userId && !isAdministrator(actor)) throw new DomainError('forbidden', 'only the user or an admin changes a password');
        if (!isPasswordHash(command.data.passwordHash)) throw new DomainError('invalid-password-hash', 'give the password hash, never the password');
        if (command.data.passwordHash === user.passwordHash) return [];
        return [{ type: 'UserPasswordChanged', data: { userId: user.userId, passwordHash: command.data.passwordHash, changedBy: actor.userId, changedAt: now } }];
      }
      case 'disableUser': {
        if (!isAdministrator(actor)) throw new DomainError('forbidden', 'only an admin disables users');
        const user = existing(state, command.data.userId);
        if (actor.userId === user.userId) throw new DomainError('cannot-disable-self', 'an admin cannot disable their own account');
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'disabling a user needs a reason');
        if (user.status === 'disabled') return [];
        return [{ type: 'UserDisabled', data: { userId: user.userId, reason: command.data.reason.trim(), disabledBy: actor.userId, disabledAt: now } }];
      }
      case 'enableUser': {
        if (!isAdministrator(actor)) throw new DomainError('forbidden', 'only an admin enables users');
        const user = existing(state, command.data.userId);
        if (user.status === 'active') return [];
        return [{ type: 'UserEnabled', data: { userId: user.userId, enabledBy: actor.userId, enabledAt: now } }];
      }
      case 'changeRole': {
        if (!isAdministrator(actor)) throw new DomainError('forbidden', 'only an admin changes roles');
        const user = existing(state, command.data.userId);
        const { role } = command.data;
        if (!USER_ROLES.includes(role)) throw new DomainError('invalid-role', `unknown role ${String(role)}`);
        const links = linksFor(role, command.data);
        if (role === user.role && links.customerId === user.customerId && links.expertId === user.expertId) return [];
        return [{ type: 'UserRoleChanged', data: { userId: user.userId, role, ...links, previousRole: user.role, changedBy: actor.userId, changedAt: now } }];
      }
    }
  },
};

function isAdministrator(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'system';
}

function existing(state: UserAccountState, userId: string): Existing {
  if (state.status === 'unknown') throw new DomainError('user-not-found', `no user ${userId}`);
  return state;
}
