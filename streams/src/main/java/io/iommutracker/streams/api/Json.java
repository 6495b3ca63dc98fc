package io.iommutracker.streams.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * JSON for the API. Avro records are written field by field from their schema (Jackson would otherwise serialise
 * the generated classes' schema accessors): timestamp-millis as ISO-8601 text, and 64-bit addresses as
 * {@code "0x..."} hex text, because an address such as 0xffffffffffffffff has no exact JSON number.
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Built once: writing through the mapper looks the configuration up per call. */
    private static final ObjectWriter WRITER = MAPPER.writer();

    /** Long fields that hold bus addresses or sizes: printed as unsigned hex. */
    private static final Set<String> ADDRESS_FIELDS = Set.of("start", "end", "base", "limit", "size", "address", "doorbell",
            "appleMsiDoorbell", "phys", "iova", "length");

    private Json() {
    }

    public static byte[] bytes(Object value) {
        try {
            return WRITER.writeValueAsBytes(value instanceof IndexedRecord r ? avro(r) : value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("bad_body", "request body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    public static String hex(long v) {
        return String.format("0x%016x", v);
    }

    /** An Avro record as a JSON object. */
    public static ObjectNode avro(IndexedRecord record) {
        return (ObjectNode) avro(record, record.getSchema(), null);
    }

    static JsonNode avro(Object v, Schema s, String fieldName) {
        if (v == null) {
            return NODES.nullNode();
        }
        switch (s.getType()) {
            case UNION:
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL && matches(v, branch)) {
                        return avro(v, branch, fieldName);
                    }
                }
                return NODES.textNode(v.toString());
            case RECORD: {
                IndexedRecord r = (IndexedRecord) v;
                ObjectNode o = NODES.objectNode();
                for (Schema.Field f : s.getFields()) {
                    o.set(f.name(), avro(r.get(f.pos()), f.schema(), f.name()));
                }
                return o;
            }
            case ARRAY: {
                ArrayNode a = NODES.arrayNode();
                for (Object item : (Collection<?>) v) {
                    a.add(avro(item, s.getElementType(), null));
                }
                return a;
            }
            case MAP: {
                ObjectNode o = NODES.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    o.set(e.getKey().toString(), avro(e.getValue(), s.getValueType(), null));
                }
                return o;
            }
            case ENUM:
                return NODES.textNode(v.toString());
            case STRING:
                return NODES.textNode(v.toString());
            case INT:
                return NODES.numberNode(((Number) v).intValue());
            case LONG: {
                LogicalType lt = s.getLogicalType();
                if (v instanceof Instant i) {
                    return NODES.textNode(i.toString());
                }
                long n = ((Number) v).longValue();
                if (lt != null && lt.getName().startsWith("timestamp")) {
                    return NODES.textNode(Instant.ofEpochMilli(n).toString());
                }
                return fieldName != null && ADDRESS_FIELDS.contains(fieldName) ? NODES.textNode(hex(n)) : NODES.numberNode(n);
            }
            case BOOLEAN:
                return NODES.booleanNode((Boolean) v);
            case FLOAT:
            case DOUBLE:
                return NODES.numberNode(((Number) v).doubleValue());
            case BYTES:
            case FIXED: {
                byte[] b;
                if (v instanceof java.nio.ByteBuffer bb) {
                    b = new byte[bb.remaining()];
                    bb.duplicate().get(b);
                } else if (v instanceof org.apache.avro.generic.GenericFixed f) {
                    b = f.bytes();
                } else {
                    b = (byte[]) v;
                }
                return NODES.textNode(java.util.HexFormat.of().formatHex(b));
            }
            default:
                return NODES.nullNode();
        }
    }

    private static boolean matches(Object v, Schema s) {
        return switch (s.getType()) {
            case RECORD -> v instanceof IndexedRecord r && r.getSchema().getFullName().equals(s.getFullName());
            case ENUM -> v instanceof Enum<?> || v instanceof GenericEnumSymbol<?>;
            case STRING -> v instanceof CharSequence;
            case INT -> v instanceof Integer;
            case LONG -> v instanceof Long || v instanceof Instant;
            case BOOLEAN -> v instanceof Boolean;
            case ARRAY -> v instanceof Collection<?>;
            case MAP -> v instanceof Map<?, ?>;
            case DOUBLE -> v instanceof Double;
            case FLOAT -> v instanceof Float;
            case BYTES -> v instanceof java.nio.ByteBuffer || v instanceof byte[];
            default -> false;
        };
    }
}
