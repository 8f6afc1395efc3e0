package dev.coordinator.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The texts a fuzz input stands for. UTF-8 is how bytes arrive (a body, a frame), and it keeps the
 * committed inputs readable; the same bytes read as raw UTF-16 code units reach what only a JSON
 * escape can carry, such as a lone surrogate ({@code "\ud800"}), which a decoded JSON string hands
 * on unchanged (a charset decoder would replace it).
 */
public final class FuzzText {
  private FuzzText() {
  }

  public static List<String> of(byte[] data) {
    char[] units = new char[data.length / 2];
    for (int i = 0; i < units.length; i++) {
      units[i] = (char) ((data[2 * i] & 0xFF) << 8 | data[2 * i + 1] & 0xFF);
    }
    return List.of(new String(data, StandardCharsets.UTF_8), new String(units));
  }
}
