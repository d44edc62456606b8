package dev.kj.rhino.differential;

import java.util.ArrayList;
import java.util.List;

/** A unified-style line diff (LCS based; transcripts are a few hundred lines). */
final class UnifiedDiff {
    private static final int CONTEXT = 3;

    private UnifiedDiff() {
    }

    static String diff(String leftName, List<String> left, String rightName, List<String> right) {
        int n = left.size();
        int m = right.size();
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = left.get(i).equals(right.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        // edit script: ' ' same, '-' only left, '+' only right; with the line numbers on each side
        List<char[]> ops = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && left.get(i).equals(right.get(j))) {
                ops.add(new char[] {' '});
                texts.add(left.get(i));
                positions.add(new int[] {i++, j++});
            } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
                ops.add(new char[] {'+'});
                texts.add(right.get(j));
                positions.add(new int[] {i, j++});
            } else {
                ops.add(new char[] {'-'});
                texts.add(left.get(i));
                positions.add(new int[] {i++, j});
            }
        }
        StringBuilder out = new StringBuilder("--- " + leftName + "\n+++ " + rightName + "\n");
        int k = 0;
        while (k < ops.size()) {
            if (ops.get(k)[0] == ' ') {
                k++;
                continue;
            }
            int start = Math.max(0, k - CONTEXT);
            int end = k;
            // extend the hunk while changes are within 2*CONTEXT of each other
            int lastChange = k;
            while (end < ops.size() && end - lastChange <= 2 * CONTEXT) {
                if (ops.get(end)[0] != ' ') {
                    lastChange = end;
                }
                end++;
            }
            end = Math.min(ops.size(), lastChange + CONTEXT + 1);
            out.append("@@ -").append(positions.get(start)[0] + 1).append(" +").append(positions.get(start)[1] + 1).append(" @@\n");
            for (int h = start; h < end; h++) {
                out.append(ops.get(h)[0]).append(texts.get(h)).append('\n');
            }
            k = end;
        }
        return out.toString();
    }
}
