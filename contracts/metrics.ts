/** The per-iteration row of the metrics table: small numbers only, carried across continue-as-new. */

export interface ClassAccuracy {
  correct: number;
  total: number;
  accuracy: number;
}

export interface IterationMetrics {
  iteration: number;
  /** Train examples attempted in generation. */
  attempted: number;
  /** Examples kept for training (correct first try plus kept rationalizations). */
  kept: number;
  /** Of `kept`, how many came from rationalization (a hinted retry). */
  rationalized: number;
  // The next four are absent from rows carried over from runs made before they existed.
  /** Plain samples drawn: attempted × samplesPerQuestion. */
  samples?: number;
  /** Plain samples judged correct. */
  correctSamples?: number;
  /** Train questions with at least one correct plain sample (pass@k on train; `/ attempted` for the rate). */
  questionsWithCorrect?: number;
  /** Kept rationales with distinct text. */
  distinctKept?: number;
  /** Examples counted by the epoch rule (`\n\n`-separated, including copyN files). */
  trainExamples: number;
  totalSteps: number;
  /** Final training loss, when the trainer reports one. */
  loss?: number;
  /** The model this iteration trained. */
  checkpointUri: string;
  /** Dev accuracy per class (digit count for arithmetic), absent under skipEval. */
  accuracy?: Record<string, ClassAccuracy>;
  /** Dev accuracy over all examples. */
  overallAccuracy?: number;
  /** Wall-clock seconds of each phase, measured by the activities. */
  seconds: Partial<Record<'generate' | 'records' | 'config' | 'train' | 'eval' | 'copy', number>>;
}
