package dev.coordinator.testing;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

/**
 * Validates JSON against a JSON Schema (2020-12, the dialect of OpenAPI 3.1 and of MCP tool
 * schemas) with vertx-json-schema, the validator vertx-openapi itself uses.
 */
public final class SchemaCheck {
  private SchemaCheck() {
  }

  /** The validator's errors, or an empty string when {@code value} conforms. */
  public static String errors(JsonObject schema, Object value) {
    Validator validator = Validator.create(JsonSchema.of(schema),
        new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://coordinator.invalid/")
            .setOutputFormat(OutputFormat.Basic));
    OutputUnit result = validator.validate(value);
    return Boolean.TRUE.equals(result.getValid()) ? "" : result.toString();
  }
}
