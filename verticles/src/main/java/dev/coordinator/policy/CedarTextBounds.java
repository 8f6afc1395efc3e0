package dev.coordinator.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * HARD-1: a plain-Java look at Cedar text (policies or a schema) before the native library sees
 * it. Cedar's parser and validator recurse on the nesting of an expression on the calling
 * thread's stack, and past about 70 levels on a 1 MiB stack (fewer on a thread that is already
 * deep) the process dies with SIGSEGV instead of an error. So text that is too long, nests too
 * deeply, or runs too many tokens in one policy never reaches it.
 *
 * <p>The count is conservative: every bracket ({@code ( [ {}) is a level, and so is every
 * {@code if} (its {@code else} branch runs to the end of the enclosing brackets, so the ifs of one
 * bracket level add up). String literals and {@code //} comments are skipped.
 */
final class CedarTextBounds {
  /** Far below the ~70 levels that crash; real policies use two or three. */
  static final int MAX_DEPTH = 12;
  static final int MAX_CHARS = 64 * 1024;
  /** Tokens in one policy (or schema declaration, up to its {@code ;}): long operator chains recurse too. */
  static final int MAX_TOKENS_PER_POLICY = 2_000;

  private CedarTextBounds() {
  }

  /** What is wrong with {@code text} for the native library; empty when it may be given to it. */
  static List<String> problems(String text) {
    if (text.length() > MAX_CHARS) {
      return List.of("the text is " + text.length() + " characters long; at most " + MAX_CHARS + " are accepted");
    }
    return new Scanner(text).scan();
  }

  private static final class Scanner {
    private final String text;
    private final List<String> problems = new ArrayList<>();
    /** Per open bracket: the ifs begun inside it. The bottom frame is the policy's top level. */
    private final int[] ifsPerLevel = new int[MAX_DEPTH + 2];
    private int brackets;
    private int depth;
    private int tokens;
    private int position;

    Scanner(String text) {
      this.text = text;
    }

    List<String> scan() {
      while (position < text.length() && problems.isEmpty()) {
        char c = text.charAt(position);
        if (c == '"') {
          skipString();
        } else if (c == '/' && next() == '/') {
          skipComment();
        } else if (Character.isWhitespace(c)) {
          position++;
        } else if (Character.isLetterOrDigit(c) || c == '_') {
          word();
        } else {
          symbol(c);
        }
      }
      if (problems.isEmpty() && (brackets != 0)) {
        problems.add("unbalanced brackets");
      }
      return problems;
    }

    private char next() {
      return position + 1 < text.length() ? text.charAt(position + 1) : 0;
    }

    private void skipString() {
      count();
      position++;
      while (position < text.length() && text.charAt(position) != '"') {
        position += text.charAt(position) == '\\' ? 2 : 1;
      }
      position++;
    }

    private void skipComment() {
      int end = text.indexOf('\n', position);
      position = end < 0 ? text.length() : end + 1;
    }

    private void word() {
      int start = position;
      while (position < text.length()
          && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
        position++;
      }
      count();
      if (position - start == 2 && text.startsWith("if", start)) {
        ifsPerLevel[brackets]++;
        deeper();
      }
    }

    private void symbol(char c) {
      position++;
      count();
      switch (c) {
        case '(', '[', '{' -> {
          brackets++;
          if (brackets < ifsPerLevel.length) {
            ifsPerLevel[brackets] = 0;
          }
          deeper();
        }
        case ')', ']', '}' -> {
          if (brackets == 0) {
            problems.add("unbalanced '" + c + "' at character " + position);
            return;
          }
          depth -= 1 + ifsPerLevel[brackets];
          brackets--;
        }
        case ';' -> {
          tokens = 0;
          if (brackets == 0) {
            depth -= ifsPerLevel[0];
            ifsPerLevel[0] = 0;
          }
        }
        default -> {
        }
      }
    }

    private void deeper() {
      depth++;
      if (depth > MAX_DEPTH) {
        problems.add("nested more than " + MAX_DEPTH + " levels deep (brackets and if-expressions) at character "
            + position);
      }
    }

    private void count() {
      tokens++;
      if (tokens > MAX_TOKENS_PER_POLICY) {
        problems.add("a policy has more than " + MAX_TOKENS_PER_POLICY + " tokens (at character " + position + ")");
      }
    }
  }
}
