/**
 * given(state) / when(input) / then(outputs) specifications for workflows, in the style of
 * Emmett's WorkflowSpecification. A workflow here folds no stream of its own: what it decides
 * on is what its `read` gathers, so the test gives that state directly. Test support only:
 * uses Jest's expect.
 */
import { Workflow, WorkflowInput, WorkflowOutput } from '../sagas/workflow';
import { TEST_NOW } from './commands';

export interface WorkflowSpecification<Input extends WorkflowInput, State> {
  given(state: State): {
    when(
      input: Input,
      now?: Date,
    ): {
      then(...expected: WorkflowOutput[]): void;
      /** Every output is an `ignore`; with a reason, one of them gives it. */
      thenIgnores(reason?: string | RegExp): void;
    };
  };
}

export function specifyWorkflow<Input extends WorkflowInput, State>(workflow: Workflow<Input, State>): WorkflowSpecification<Input, State> {
  return {
    given(state) {
      return {
        when(input, now = TEST_NOW) {
          const run = () => workflow.decide(input, state, now);
          return {
            then: (...expected) => expect(run()).toEqual(expected),
            thenIgnores(reason) {
              const outputs = run();
              expect(outputs.length).toBeGreaterThan(0);
              expect(outputs.every((o) => o.action === 'ignore')).toBe(true);
              if (reason !== undefined) expect(outputs.map((o) => (o.action === 'ignore' ? o.reason : ''))).toContainEqual(expect.stringMatching(reason));
            },
          };
        },
      };
    },
  };
}
