export interface Block {
  readonly line: number;
  readonly id: string | undefined;
  readonly code: string;
}
export interface Snippet {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly env: 'node' | 'workerd' | 'browser';
  readonly run: boolean;
  readonly code: string;
  readonly blocks: readonly Block[];
}
export declare const SNIPPET_FILES: readonly string[];
export declare function parseSnippets(text: string, file: string): Snippet[];
export declare function extractSnippets(root: string, files?: readonly string[]): Snippet[];
