package dev.coordinator.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * API keys: 256 random bits, shown once; only their SHA-256 is stored. A fast hash is enough
 * because keys are random, not chosen by people: there is nothing to guess from a dictionary.
 */
public final class ApiKeys {
  public static final int MIN_LENGTH = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {
  }

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "ck_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
