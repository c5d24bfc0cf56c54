// A deliberately small aggregate to exercise the command handler; the real ones live in domain/.
import { Command, Decider, DomainError } from '../../domain/decider';

export type ToolboxEvent =
  | { type: 'ToolAdded'; data: { tool: string } }
  | { type: 'ToolLent'; data: { tool: string; to: string } }
  | { type: 'ToolReturned'; data: { tool: string } };

export type ToolboxCommand =
  | Command<'addTool', { tool: string }>
  | Command<'lendTool', { tool: string; to: string }>
  | Command<'returnTool', { tool: string }>;

export interface ToolboxState {
  tools: Record<string, { lentTo: string | null }>;
}

export const toolbox: Decider<ToolboxState, ToolboxCommand, ToolboxEvent> = {
  initialState: () => ({ tools: {} }),
  evolve(state, event) {
    switch (event.type) {
      case 'ToolAdded':
        return { tools: { ...state.tools, [event.data.tool]: { lentTo: null } } };
      case 'ToolLent':
        return { tools: { ...state.tools, [event.data.tool]: { lentTo: event.data.to } } };
      case 'ToolReturned':
        return { tools: { ...state.tools, [event.data.tool]: { lentTo: null } } };
    }
  },
  decide(command, state) {
    const tool = state.tools[command.data.tool];
    switch (command.type) {
      case 'addTool':
        return tool ? [] : [{ type: 'ToolAdded', data: { tool: command.data.tool } }];
      case 'lendTool':
        if (!tool) throw new DomainError('tool-unknown', `no tool '${command.data.tool}'`);
        if (tool.lentTo) throw new DomainError('tool-already-lent', `'${command.data.tool}' is lent to ${tool.lentTo}`);
        return [{ type: 'ToolLent', data: command.data }];
      case 'returnTool':
        if (!tool?.lentTo) throw new DomainError('tool-not-lent', `'${command.data.tool}' is not lent`);
        return [{ type: 'ToolReturned', data: { tool: command.data.tool } }];
    }
  },
};
