import fc from 'fast-check';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { Actor, DomainError } from '../../decider';
import {
  hasValidLinks,
  isPasswordHash,
  normalizeEmail,
  RoleLink,
  UserAccountCommand,
  userAccountDecider,
  UserAccountEvent,
  UserAccountState,
  UserRole,
} from '../user-account';

const ADMIN: Actor = { userId: 'u-admin', role: 'admin' };
const SYSTEM: Actor = { userId: 'seed', role: 'system' };
const SELF: Actor = { userId: 'u1', role: 'customer' };
const HELPDESK: Actor = { userId: 'u-h1', role: 'helpdesk' };

const at = TEST_NOW.toISOString();
const HASH = '$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
const HASH2 = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdDI$aGFzaDJoYXNoMmhhc2gy';

const registered: UserAccountEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'dana@example.com', role: 'customer', customerId: 'c1', expertId: null, passwordHash: HASH, registeredBy: 'u1', registeredAt: at },
};
const disabled: UserAccountEvent = { type: 'UserDisabled', data: { userId: 'u1', reason: 'fraud', disabledBy: 'u-admin', disabledAt: at } };
const enabled: UserAccountEvent = { type: 'UserEnabled', data: { userId: 'u1', enabledBy: 'u-admin', enabledAt: at } };

const cmd = <T extends UserAccountCommand['type']>(type: T, data: Extract<UserAccountCommand, { type: T }>['data'], actor: Actor = ADMIN) =>
  command<UserAccountCommand>(type, data, { actor });
type RegisterData = Extract<UserAccountCommand, { type: 'registerUser' }>['data'];
const register = (data: Partial<RegisterData> = {}, actor: Actor = SELF) =>
  cmd('registerUser', { userId: 'u1', email: ' Dana@Example.COM ', role: 'customer', customerId: 'c1', passwordHash: HASH, ...data }, actor);

describe('UserAccount', () => {
  const spec = specifyDecider(userAccountDecider);

  describe('registerUser', () => {
    it('a customer registers themselves; the e-mail is normalized', () => spec.given().when(register()).then(registered));
    it('an admin registers an expert linked to an expert profile', () =>
      spec
        .given()
        .when(register({ email: 'eli@example.com', role: 'expert', customerId: undefined, expertId: 'e1', passwordHash: HASH2 }, ADMIN))
        .then({
          type: 'UserRegistered',
          data: { userId: 'u1', email: 'eli@example.com', role: 'expert', customerId: null, expertId: 'e1', passwordHash: HASH2, registeredBy: 'u-admin', registeredAt: at },
        }));
    it('seeding registers a manager without links', () =>
      spec
        .given()
        .when(register({ role: 'manager', customerId: undefined }, SYSTEM))
        .then({ type: 'UserRegistered', data: { ...registered.data, role: 'manager', customerId: null, registeredBy: 'seed' } } as UserAccountEvent));
    it('a customer needs a linked customer', () => spec.given().when(register({ customerId: undefined })).thenFails('invalid-role-link'));
    it('an expert needs a linked expert', () => spec.given().when(register({ role: 'expert', customerId: undefined }, ADMIN)).thenFails('invalid-role-link'));
    it('helpdesk users are linked to no customer', () => spec.given().when(register({ role: 'helpdesk' }, ADMIN)).thenFails('invalid-role-link'));
    it('a customer is not linked to an expert', () => spec.given().when(register({ expertId: 'e1' })).thenFails('invalid-role-link'));
    it('rejects an unknown role', () => spec.given().when(register({ role: 'root' as UserRole, customerId: undefined }, ADMIN)).thenFails('invalid-role'));
    it('rejects a malformed e-mail', () => spec.given().when(register({ email: 'dana at example' })).thenFails('invalid-email'));
    it('rejects a plain password', () => spec.given().when(register({ passwordHash: 'hunter2' })).thenFails('invalid-password-hash'));
    it('rejects an empty user id', () => spec.given().when(register({ userId: ' ' }, ADMIN)).thenFails('invalid-user'));
    it('rejects a second registration', () => spec.given(registered).when(register()).thenFails('user-already-registered'));
    it('nobody but an admin creates a privileged account', () => spec.given().when(register({ role: 'admin', customerId: undefined })).thenFails('forbidden'));
    it('nobody but an admin registers someone else', () => spec.given().when(register({}, HELPDESK)).thenFails('forbidden'));
  });

  describe('changePassword', () => {
    const changed: UserAccountEvent = { type: 'UserPasswordChanged', data: { userId: 'u1', passwordHash: HASH2, changedBy: 'u1', changedAt: at } };
    it('the user changes their password', () => spec.given(registered).when(cmd('changePassword', { userId: 'u1', passwordHash: HASH2 }, SELF)).then(changed));
    it('an admin resets it', () =>
      spec
        .given(registered)
        .when(cmd('changePassword', { userId: 'u1', passwordHash: HASH2 }, ADMIN))
        .then({ type: 'UserPasswordChanged', data: { ...changed.data, changedBy: 'u-admin' } } as UserAccountEvent));
    it('the same hash again is a repeat', () => spec.given(registered).when(cmd('changePassword', { userId: 'u1', passwordHash: HASH }, SELF)).thenNothingHappens());
    it('rejects a plain password', () =>
      spec.given(registered).when(cmd('changePassword', { userId: 'u1', passwordHash: 'correct horse battery staple' }, SELF)).thenFails('invalid-password-hash'));
    it('nobody else changes it', () => spec.given(registered).when(cmd('changePassword', { userId: 'u1', passwordHash: HASH2 }, HELPDESK)).thenFails('forbidden'));
    it('rejects an unknown user', () => spec.given().when(cmd('changePassword', { userId: 'u1', passwordHash: HASH2 })).thenFails('user-not-found'));
  });

  describe('disableUser', () => {
    it('an admin disables a user', () => spec.given(registered).when(cmd('disableUser', { userId: 'u1', reason: 'fraud' })).then(disabled));
    it('disabling a disabled user changes nothing', () => spec.given(registered, disabled).when(cmd('disableUser', { userId: 'u1', reason: 'again' })).thenNothingHappens());
    it('needs a reason', () => spec.given(registered).when(cmd('disableUser', { userId: 'u1', reason: ' ' })).thenFails('reason-required'));
    it('an admin cannot disable themselves', () =>
      spec
        .given({ type: 'UserRegistered', data: { ...registered.data, userId: 'u-admin', role: 'admin', customerId: null } })
        .when(cmd('disableUser', { userId: 'u-admin', reason: 'oops' }))
        .thenFails('cannot-disable-self'));
    it('only admins disable', () => spec.given(registered).when(cmd('disableUser', { userId: 'u1', reason: 'fraud' }, HELPDESK)).thenFails('forbidden'));
    it('rejects an unknown user', () => spec.given().when(cmd('disableUser', { userId: 'u1', reason: 'fraud' })).thenFails('user-not-found'));
  });

  describe('enableUser', () => {
    it('an admin enables a disabled user', () => spec.given(registered, disabled).when(cmd('enableUser', { userId: 'u1' })).then(enabled));
    it('enabling an active user changes nothing', () => spec.given(registered).when(cmd('enableUser', { userId: 'u1' })).thenNothingHappens());
    it('only admins enable', () => spec.given(registered, disabled).when(cmd('enableUser', { userId: 'u1' }, SELF)).thenFails('forbidden'));
    it('rejects an unknown user', () => spec.given().when(cmd('enableUser', { userId: 'u1' })).thenFails('user-not-found'));
  });

  describe('changeRole', () => {
    it('an admin makes a customer user an expert, relinking it', () =>
      spec
        .given(registered)
        .when(cmd('changeRole', { userId: 'u1', role: 'expert', expertId: 'e7' }))
        .then({ type: 'UserRoleChanged', data: { userId: 'u1', role: 'expert', customerId: null, expertId: 'e7', previousRole: 'customer', changedBy: 'u-admin', changedAt: at } }));
    it('relinks a customer user to another customer', () =>
      spec
        .given(registered)
        .when(cmd('changeRole', { userId: 'u1', role: 'customer', customerId: 'c2' }))
        .then({ type: 'UserRoleChanged', data: { userId: 'u1', role: 'customer', customerId: 'c2', expertId: null, previousRole: 'customer', changedBy: 'u-admin', changedAt: at } }));
    it('the same role and links change nothing', () => spec.given(registered).when(cmd('changeRole', { userId: 'u1', role: 'customer', customerId: 'c1' })).thenNothingHappens());
    it('re-validates the links', () => spec.given(registered).when(cmd('changeRole', { userId: 'u1', role: 'helpdesk', customerId: 'c1' })).thenFails('invalid-role-link'));
    it('an expert needs an expert link', () => spec.given(registered).when(cmd('changeRole', { userId: 'u1', role: 'expert' })).thenFails('invalid-role-link'));
    it('rejects an unknown role', () => spec.given(registered).when(cmd('changeRole', { userId: 'u1', role: 'root' as UserRole })).thenFails('invalid-role'));
    it('only admins change roles', () => spec.given(registered).when(cmd('changeRole', { userId: 'u1', role: 'admin' }, SELF)).thenFails('forbidden'));
    it('rejects an unknown user', () => spec.given().when(cmd('changeRole', { userId: 'u1', role: 'manager' })).thenFails('user-not-found'));
  });

  describe('helpers', () => {
    it('isPasswordHash accepts scrypt and argon2 PHC strings only', () => {
      expect(isPasswordHash(HASH)).toBe(true);
      expect(isPasswordHash(HASH2)).toBe(true);
      expect(isPasswordHash('')).toBe(false);
      expect(isPasswordHash('$scrypt$short')).toBe(false);
      expect(isPasswordHash('$2b$12$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU')).toBe(false);
      expect(isPasswordHash(`${HASH} with spaces`)).toBe(false);
    });
    it('normalizeEmail trims and lower-cases', () => expect(normalizeEmail('  Dana@Example.COM')).toBe('dana@example.com'));
  });

  describe('properties', () => {
    const arbActor = fc.constantFrom(ADMIN, SYSTEM, SELF, HELPDESK);
    const arbLink: fc.Arbitrary<RoleLink> = fc.record({ customerId: fc.constantFrom('c1', 'c2', ' '), expertId: fc.constantFrom('e1', ' ') }, { requiredKeys: [] });
    const arbRole = fc.constantFrom<UserRole>('customer', 'expert', 'helpdesk', 'admin', 'manager');
    const arbCommand: fc.Arbitrary<UserAccountCommand> = fc.oneof(
      fc.tuple(arbRole, arbLink, arbActor).map(([role, link, actor]) =>
        cmd('registerUser', { userId: 'u1', email: 'dana@example.com', role, passwordHash: HASH, ...link }, actor),
      ),
      fc.tuple(fc.constantFrom(HASH, HASH2, 'plain'), arbActor).map(([passwordHash, actor]) => cmd('changePassword', { userId: 'u1', passwordHash }, actor)),
      fc.tuple(fc.constantFrom('fraud', ''), arbActor).map(([reason, actor]) => cmd('disableUser', { userId: 'u1', reason }, actor)),
      arbActor.map((actor) => cmd('enableUser', { userId: 'u1' }, actor)),
      fc.tuple(arbRole, arbLink, arbActor).map(([role, link, actor]) => cmd('changeRole', { userId: 'u1', role, ...link }, actor)),
    );

    function run(commands: UserAccountCommand[]) {
      let state = userAccountDecider.initialState();
      const history: UserAccountEvent[] = [];
      const states: UserAccountState[] = [];
      for (const c of commands) {
        try {
          const events = userAccountDecider.decide(c, state);
          for (const event of events) {
            history.push(event);
            state = userAccountDecider.evolve(state, event);
            states.push(state);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }
      return { state, history, states };
    }

    it('a disabled user stays disabled until enabled, and the role links are always valid', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 30 }), (commands) => {
          const { history, states } = run(commands);
          states.forEach((s, i) => {
            if (s.status === 'unknown') throw new Error('every event follows a registration');
            expect(hasValidLinks(s)).toBe(true);
            expect(isPasswordHash(s.passwordHash)).toBe(true);
            const before = i > 0 ? states[i - 1] : null;
            if (before && before.status === 'disabled' && s.status !== 'disabled') expect(history[i].type).toBe('UserEnabled');
            if (before && before.status === 'active' && s.status !== 'active') expect(history[i].type).toBe('UserDisabled');
          });
        }),
      ));

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 30 }), (commands) => {
          const { history, state } = run(commands);
          const fold = () => history.reduce(userAccountDecider.evolve, userAccountDecider.initialState());
          expect(fold()).toEqual(fold());
          expect(fold()).toEqual(state);
        }),
      ));
  });
});
