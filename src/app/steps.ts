/** The guided flow, in order. Each step is a folder under src/app/ with a `*Step.svelte`. */
export const STEPS = [
  { id: 'data', title: 'Data' },
  { id: 'teacher', title: 'Teacher' },
  { id: 'synthesize', title: 'Synthesize' },
  { id: 'review', title: 'Review' },
  { id: 'train', title: 'Train' },
  { id: 'evaluate', title: 'Evaluate' },
  { id: 'export', title: 'Export' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];
