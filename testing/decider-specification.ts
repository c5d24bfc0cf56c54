/**
 * given(events) / when(command) / then(events | error) specifications for deciders,
 * in the style of Emmett's DeciderSpecification. Test support only: uses Jest's expect.
 */
import { Command, Decider, DomainError, DomainEvent } from '../domain/decider';

export interface DeciderSpecification<C extends Command, E extends DomainEvent> {
  given(...events: E[]): {
    when(command: C): {
      then(...expected: E[]): void;
      thenNothingHappens(): void;
      thenFails(code: string): void;
    };
  };
}

export function specifyDecider<S, C extends Command, E extends DomainEvent>(
  decider: Decider<S, C, E>,
): DeciderSpecification<C, E> {
  return {
    given(...history) {
      const state = history.reduce(decider.evolve, decider.initialState());
      return {
        when(command) {
          const run = () => decider.decide(command, state);
          return {
            then: (...expected) => expect(run()).toEqual(expected),
            thenNothingHappens: () => expect(run()).toEqual([]),
            thenFails(code) {
              let error: unknown;
              try {
                run();
              } catch (e) {
                error = e;
              }
              expect(error).toBeInstanceOf(DomainError);
              expect((error as DomainError).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
