#!/usr/bin/python3
"""Check SMILES rewrites against RDKit: same canonical isomeric SMILES.

Usage: tools/smiles_rewrite N < smiles.txt | tools/check_smiles_rdkit.py

Reads "original<TAB>rewrite" lines (tools/smiles_rewrite.c) and counts the
rewrites whose RDKit canonical isomeric SMILES differs from the original's,
which would mean a changed atom, bond or stereocentre.  Needs Debian's
python3-rdkit; not part of the test suite (the unit tests check rewrites
atom by atom without it).
"""
import sys

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")


def canonical(smiles):
    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


seen = {}
checked = differ = refused = 0
for line in sys.stdin:
    original, rewrite = line.rstrip("\n").split("\t")
    if rewrite == "":
        refused += 1
        continue
    if original not in seen:
        seen[original] = canonical(original)
    checked += 1
    if canonical(rewrite) != seen[original]:
        differ += 1
        print(f"DIFFERS {original}  ->  {rewrite}")
print(f"{checked} rewrites of {len(seen)} molecules checked, {differ} differ; "
      f"{refused} strings not read")
sys.exit(1 if differ else 0)
