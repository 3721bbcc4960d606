/** Types of compiled-tree.js (plain JavaScript: it runs before any TypeScript can be loaded). */
export declare const projectRoot: string;
export declare function sourceFiles(root: string, dirs?: readonly string[]): string[];
export declare function treeKey(root: string, files: readonly string[], compilerVersion: string): string;
export declare function compiledTree(opts?: {
  root?: string;
  dirs?: readonly string[];
  cacheDirs?: readonly string[];
}): Promise<string | null>;
