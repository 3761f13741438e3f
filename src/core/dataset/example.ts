/** Where an example came from. Kept on every example so a run can always explain its data. */
export type Source = 'seed' | 'annotated' | 'generated' | 'extrapolated' | 'human';

/** Which set an example belongs to. A test example is never shown to the teacher. */
export type Split = 'train' | 'val' | 'test' | 'unlabeled';

export type Strategy = 'annotate' | 'generate' | 'rationale' | 'extrapolate';

export interface Provenance {
  source: Source;
  /** 0 for seeds and round-0 synthesis; S3 extrapolation rounds count from 1. */
  round: number;
  teacherModel?: string;
  strategy?: Strategy;
  /** Id of the prompt template that produced it. */
  promptTemplate?: string;
  /** Id of the teacher request that produced it; used to resume without repeating work. */
  requestId?: string;
  /** Self-consistency agreement in [0, 1] for annotated examples. */
  confidence?: number;
  /** Name of the file a seed or unlabeled text came from. */
  file?: string;
  /** 1-based row in that file. */
  row?: number;
  /** ISO 8601 time of creation. */
  createdAt: string;
}

export interface Example {
  id: string;
  text: string;
  /** null for unlabeled texts. */
  label: string | null;
  split: Split;
  provenance: Provenance;
}
