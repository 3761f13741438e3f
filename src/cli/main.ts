/**
 * `distillery <command> …`: the same core as the app, headless. Each command lives in
 * `commands/<name>.ts`, exports `run(argv): Promise<number>` (the exit status) and `usage`.
 * Commands are imported lazily so that `inspect` never pays for loading tfjs.
 */
import { isUserError } from '../core/errors.js';
import { CLI_HINTS } from './hints.js';

interface Command {
  run(argv: string[]): Promise<number>;
  usage: string;
}

/** `tensors`: the command runs TensorFlow.js, which is set up for the CLI first (tfjs-node.ts). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command>; tensors?: true }> = {
  inspect: { summary: 'parse a data file and print its report', load: () => import('./commands/inspect.js') },
  synth: { summary: 'make training data with a teacher LLM', load: () => import('./commands/synth.js') },
  'teacher-sim': { summary: 'serve a simulated OpenAI-compatible teacher on 127.0.0.1', load: () => import('./commands/teacher-sim.js') },
  'teacher-local': { summary: 'serve a GGUF model on this computer as an OpenAI-compatible teacher', load: () => import('./commands/teacher-local.js') },
  train: { summary: 'train a student classifier', load: () => import('./commands/train.js'), tensors: true },
  run: { summary: 'the whole distillation loop (S3 rounds), headless', load: () => import('./commands/run.js'), tensors: true },
  predict: { summary: 'classify texts with an exported bundle', load: () => import('./commands/predict.js'), tensors: true },
  export: { summary: 'make a bundle from a finished run folder', load: () => import('./commands/export.js'), tensors: true },
  embed: { summary: 'write the sentence embedding of each text (MiniLM, GloVe, a model folder)', load: () => import('./commands/embed.js'), tensors: true },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`);
  return `Usage: distillery <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`distillery <command> --help\` for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`distillery: unknown command '${name}'.\n\n${help()}`);
    return 2;
  }
  let command: Command;
  try {
    if (entry.tensors) await import('./tfjs-node.js');
    command = await entry.load();
  } catch (e) {
    console.error(`distillery: the '${name}' command is not available in this build (${(e as Error).message}).`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (isUserError(e)) {
      const hint = e.hint ?? CLI_HINTS[e.code];
      console.error(`distillery ${name}: ${hint ? `${e.message} ${hint}` : e.message}`);
      return 1;
    }
    throw e;
  }
}
