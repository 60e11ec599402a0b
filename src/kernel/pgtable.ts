// The kernel page tables that map the vmemmap (x86_64, 4-level): which tables
// exist and which PMD entries are 2 MiB leaves. Kept per table and per leaf,
// never per base page. Addresses are offsets from VMEMMAP_START.

export interface VmemmapPageTables {
  /** PUD tables by index (each maps 512 GiB of vmemmap): physical page of the table. */
  pud: Map<number, number>;
  /** PMD tables by index (each maps 1 GiB of vmemmap). */
  pmd: Map<number, number>;
  /** 2 MiB leaves by PMD entry index: the physical block they map. */
  pmdLeaf: Map<number, number>;
}

export function createVmemmapPageTables(): VmemmapPageTables {
  return { pud: new Map(), pmd: new Map(), pmdLeaf: new Map() };
}

/** Index helpers: how many bytes of vmemmap one entry of each level maps. */
export const PMD_ENTRY_SPAN = 2 ** 21;
export const PMD_TABLE_SPAN = 2 ** 30;
export const PUD_TABLE_SPAN = 2 ** 39;
