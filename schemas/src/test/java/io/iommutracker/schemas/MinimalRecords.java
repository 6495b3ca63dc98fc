package io.iommutracker.schemas;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/** Builds the smallest valid generic datum of any schema (first union branch, empty collections, zeros). */
final class MinimalRecords {

    private MinimalRecords() {
    }

    static Object of(Schema s) {
        return switch (s.getType()) {
            case RECORD -> {
                GenericData.Record r = new GenericData.Record(s);
                for (Schema.Field f : s.getFields()) {
                    r.put(f.pos(), of(f.schema()));
                }
                yield r;
            }
            case UNION -> of(s.getTypes().get(s.getTypes().size() > 1 && s.getTypes().get(0).getType() == Schema.Type.NULL ? 0 : 0));
            case ENUM -> new GenericData.EnumSymbol(s, s.getEnumSymbols().get(0));
            case ARRAY -> new GenericData.Array<>(0, s);
            case MAP -> new HashMap<>();
            case STRING -> "x";
            case BYTES -> ByteBuffer.allocate(0);
            case FIXED -> new GenericData.Fixed(s, new byte[s.getFixedSize()]);
            case INT -> 0;
            case LONG -> 0L;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            case BOOLEAN -> false;
            case NULL -> null;
        };
    }
}
