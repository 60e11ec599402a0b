// vmemmap-walk, a small C program the oracle builds (gcc -static) into its initramfs:
// run in the guest after boot, it prints the kernel's vmemmap page tables (the
// =====VMEMMAP section of a recorded boot; src/report/vmemmap-walk.ts reads it
// and prints the simulated boot's the same way). Kept here as text so the
// bundled CLI carries it.
export const VMEMMAP_WALK_C = String.raw`/*
 * vmemmap-walk: run inside the oracle's initramfs (as root, x86_64, 4-level
 * paging) to print the kernel's vmemmap page tables as they are after boot.
 *
 * It finds init_top_pgt, vmemmap_base, page_offset_base and max_pfn in
 * /proc/kallsyms, reads memory through /proc/kcore (an ELF core file whose
 * PT_LOAD segments map kernel virtual addresses to file offsets), and walks
 * the tables from the PGD down for every struct page up to max_pfn.
 *
 * Output (the =====VMEMMAP section of a recorded boot; entries count 2 MiB
 * steps of vmemmap from vmemmap_base, so KASLR does not change them):
 *   # vmemmap-walk max_pfn=N
 *   pmd ENTRY leaf PHYS rw|ro          a 2 MiB mapping
 *   pmd ENTRY table PHYS               a PTE table at PHYS
 *   pte ENTRY FROM COUNT PHYS STRIDE rw|ro
 *                                      COUNT PTEs from index FROM: entry i maps
 *                                      PHYS + i*4096 (STRIDE 1) or PHYS (STRIDE 0)
 * Runs are greedy and maximal: a run of one entry has stride 1.
 * Built static with: gcc -static -O2 -o vmemmap-walk vmemmap-walk.c
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRESENT 0x1ULL
#define RW 0x2ULL
#define PSE 0x80ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define PMD_LEAF_MASK 0x000fffffffe00000ULL

static int kcore = -1;
static Elf64_Phdr *ph;
static int nph;
static uint64_t page_offset;

static void die(const char *what) {
  printf("# vmemmap-walk: %s\n", what);
  exit(1);
}

static void read_kva(uint64_t va, void *buf, size_t len) {
  for (int i = 0; i < nph; i++) {
    if (ph[i].p_type != PT_LOAD) continue;
    if (va < ph[i].p_vaddr || va + len > ph[i].p_vaddr + ph[i].p_memsz) continue;
    if (pread(kcore, buf, len, (off_t)(ph[i].p_offset + (va - ph[i].p_vaddr))) != (ssize_t)len) die("short read of /proc/kcore");
    return;
  }
  char msg[96];
  snprintf(msg, sizeof msg, "address 0x%" PRIx64 " is in no /proc/kcore segment", va);
  die(msg);
}

static uint64_t u64_at(uint64_t va) {
  uint64_t v;
  read_kva(va, &v, sizeof v);
  return v;
}

static void table_at(uint64_t phys, uint64_t t[512]) {
  read_kva(page_offset + phys, t, 4096);
}

static uint64_t symbol(const char *name) {
  FILE *f = fopen("/proc/kallsyms", "r");
  if (!f) die("no /proc/kallsyms");
  char line[512], sym[256], type;
  uint64_t addr;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, sym) == 3 && strcmp(sym, name) == 0) {
      fclose(f);
      if (!addr) die("kallsyms hides addresses (kptr_restrict)");
      return addr;
    }
  }
  fclose(f);
  char msg[96];
  snprintf(msg, sizeof msg, "no symbol %s in /proc/kallsyms", name);
  die(msg);
  return 0;
}

static void print_ptes(uint64_t entry, const uint64_t t[512]) {
  int i = 0;
  while (i < 512) {
    uint64_t e = t[i];
    if (!(e & PRESENT)) { i++; continue; }
    uint64_t phys = e & ADDR_MASK, rw = e & RW;
    int n = 1, stride = 1;
    if (i + 1 < 512 && (t[i + 1] & PRESENT) && (t[i + 1] & RW) == rw) {
      uint64_t next = t[i + 1] & ADDR_MASK;
      if (next == phys) stride = 0;
    }
    while (i + n < 512) {
      uint64_t f = t[i + n];
      if (!(f & PRESENT) || (f & RW) != rw) break;
      if ((f & ADDR_MASK) != phys + (stride ? (uint64_t)n * 4096 : 0)) break;
      n++;
    }
    printf("pte %" PRIu64 " %d %d 0x%" PRIx64 " %d %s\n", entry, i, n, phys, stride, rw ? "rw" : "ro");
    i += n;
  }
}

int main(void) {
  kcore = open("/proc/kcore", O_RDONLY);
  if (kcore < 0) die("cannot open /proc/kcore");
  Elf64_Ehdr eh;
  if (pread(kcore, &eh, sizeof eh, 0) != sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) die("/proc/kcore is not ELF");
  nph = eh.e_phnum;
  ph = calloc(nph, sizeof *ph);
  if (!ph || pread(kcore, ph, nph * sizeof *ph, (off_t)eh.e_phoff) != (ssize_t)(nph * sizeof *ph)) die("cannot read /proc/kcore's program headers");

  page_offset = u64_at(symbol("page_offset_base"));
  uint64_t vmemmap = u64_at(symbol("vmemmap_base"));
  uint64_t max_pfn = u64_at(symbol("max_pfn"));
  uint64_t pgd = symbol("init_top_pgt");
  printf("# vmemmap-walk max_pfn=%" PRIu64 "\n", max_pfn);

  uint64_t end = vmemmap + ((max_pfn * 64 + (1ULL << 21) - 1) & ~((1ULL << 21) - 1));
  uint64_t pud_phys = ~0ULL, pmd_phys = ~0ULL;
  uint64_t pud[512], pmd[512], pte[512];
  for (uint64_t va = vmemmap; va < end; va += 1ULL << 21) {
    uint64_t entry = (va - vmemmap) >> 21;
    uint64_t pgde = u64_at(pgd + ((va >> 39) & 511) * 8);
    if (!(pgde & PRESENT)) continue;
    if ((pgde & ADDR_MASK) != pud_phys) {
      pud_phys = pgde & ADDR_MASK;
      table_at(pud_phys, pud);
    }
    uint64_t pude = pud[(va >> 30) & 511];
    if (!(pude & PRESENT)) continue;
    if (pude & PSE) die("a 1 GiB vmemmap mapping (not modelled)");
    if ((pude & ADDR_MASK) != pmd_phys) {
      pmd_phys = pude & ADDR_MASK;
      table_at(pmd_phys, pmd);
    }
    uint64_t pmde = pmd[(va >> 21) & 511];
    if (!(pmde & PRESENT)) continue;
    if (pmde & PSE) {
      printf("pmd %" PRIu64 " leaf 0x%" PRIx64 " %s\n", entry, (uint64_t)(pmde & PMD_LEAF_MASK), (pmde & RW) ? "rw" : "ro");
      continue;
    }
    printf("pmd %" PRIu64 " table 0x%" PRIx64 "\n", entry, (uint64_t)(pmde & ADDR_MASK));
    table_at(pmde & ADDR_MASK, pte);
    print_ptes(entry, pte);
  }
  return 0;
}
`;
