package dev.coordinator.bus.audit;

import dev.coordinator.bus.Payload;
import dev.coordinator.bus.schema.Nullable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The successful answers of the audit verticle. */
public final class AuditReplies {
  private AuditReplies() {
  }

  public record Entries(List<AuditEntry> entries) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("entries", new JsonArray(entries.stream().map(AuditEntry::toJson).toList()));
    }
  }

  /**
   * {@code checked} rows were sealed and their seals check out; {@code unsealed} rows are not sealed
   * yet. {@code firstBadId} is the lowest id whose row or seal does not check out, else the lowest
   * id of a row left unsealed for longer than sealing may take.
   */
  public record Verification(boolean ok, long checked, @Nullable Long firstBadId, long unsealed) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("ok", ok).put("checked", checked).put("first_bad_id", firstBadId)
          .put("unsealed", unsealed);
    }
  }
}
