import { UserAccountEvent } from '../../../domain/user-account/user-account';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { USERS, usersProjection } from '../projection';

const spec = specifyProjection(usersProjection);
const at = '2026-03-01T10:00:00.000Z';
const registered: UserAccountEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'ada@example.com', passwordHash: '$scrypt$1', role: 'customer', customerId: 'c1', expertId: null, registeredBy: 'u1', registeredAt: at },
};
const account = { _id: 'u1', email: 'ada@example.com', role: 'customer', customerId: 'c1', expertId: null, passwordHash: '$scrypt$1', disabled: false, registeredAt: at };

describe('users read model', () => {
  it('holds what signing in needs of a registered account', () => spec.given().when(...inStream('user-u1', [registered])).then({ [USERS]: [account] }));

  it('follows password changes, disabling, enabling and role changes', () =>
    spec
      .given(...inStream('user-u1', [registered]))
      .when(
        ...inStream<UserAccountEvent>('user-u1', [
          { type: 'UserPasswordChanged', data: { userId: 'u1', passwordHash: '$scrypt$2', changedBy: 'u1', changedAt: at } },
          { type: 'UserDisabled', data: { userId: 'u1', reason: 'fraud', disabledBy: 'admin', disabledAt: at } },
          { type: 'UserEnabled', data: { userId: 'u1', enabledBy: 'admin', enabledAt: at } },
          { type: 'UserDisabled', data: { userId: 'u1', reason: 'left', disabledBy: 'admin', disabledAt: at } },
          { type: 'UserRoleChanged', data: { userId: 'u1', role: 'expert', customerId: null, expertId: 'e1', previousRole: 'customer', changedBy: 'admin', changedAt: at } },
        ]),
      )
      .then({ [USERS]: [{ ...account, passwordHash: '$scrypt$2', disabled: true, role: 'expert', customerId: null, expertId: 'e1' }] }));

  it('ignores changes to an account it never saw registered', () =>
    spec
      .given()
      .when(...inStream<UserAccountEvent>('user-u2', [{ type: 'UserDisabled', data: { userId: 'u2', reason: 'x', disabledBy: 'admin', disabledAt: at } }]))
      .then({ [USERS]: [] }));
});
