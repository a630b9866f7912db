package ai.bitrouter.billing.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;

/**
 * Offline schema validation of Kubernetes manifests, as strict as {@code kubeconform -strict}: an unknown field, a
 * missing required field or a value of the wrong type is a problem.
 * <ul>
 * <li>Built-in kinds: Kubernetes' OpenAPI models (the {@code io.kubernetes:client-java-api} artifact, generated from
 * the API server's OpenAPI document); their {@code validateJsonElement} rejects unknown and missing fields, and
 * binding the document to the model checks the types (numbers, quantities, int-or-string).</li>
 * <li>Operator kinds (Strimzi, CloudNativePG, Keycloak, KEDA): the {@code openAPIV3Schema} of each operator's published
 * CRD, copied under {@code src/test/resources/deploy/crd-schemas} (its README says from where), validated with
 * networknt's JSON Schema validator. Like the API server, which prunes unknown fields of a structural schema,
 * an object schema that lists its properties gets {@code additionalProperties: false} unless it preserves unknown
 * fields. CEL rules ({@code x-kubernetes-validations}) are not evaluated.</li>
 * </ul>
 * A kind with no schema here is a problem too, rather than a silent pass.
 */
final class ManifestSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Kubernetes timestamps are RFC 3339 strings; the models hold them as OffsetDateTime. */
    private static final Gson GSON = new GsonBuilder().registerTypeAdapter(OffsetDateTime.class, new TypeAdapter<OffsetDateTime>() {
        @Override
        public void write(JsonWriter out, OffsetDateTime value) throws IOException {
            out.value(value == null ? null : value.toString());
        }

        @Override
        public OffsetDateTime read(JsonReader in) throws IOException {
            return OffsetDateTime.parse(in.nextString());
        }
    }).create();

    /** apiVersion + "/" + kind of the built-in kinds the manifests may use. */
    private static final Map<String, Class<?>> BUILT_IN = Map.of(
            "v1/Namespace", V1Namespace.class,
            "v1/ServiceAccount", V1ServiceAccount.class,
            "v1/ConfigMap", V1ConfigMap.class,
            "v1/Service", V1Service.class,
            "apps/v1/Deployment", V1Deployment.class,
            "networking.k8s.io/v1/Ingress", V1Ingress.class,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class);

    private final Map<String, JsonSchema> crdSchemas = new ConcurrentHashMap<>();

    /** The problems of one manifest document; empty when it is valid. */
    List<String> validate(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        if (doc == null || !doc.isObject()) {
            problems.add("not a YAML mapping");
            return problems;
        }
        String apiVersion = doc.path("apiVersion").asText("");
        String kind = doc.path("kind").asText("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            problems.add("apiVersion and kind are required");
            return problems;
        }
        if (doc.path("metadata").path("name").asText("").isEmpty()) {
            problems.add("metadata.name is required");
        }
        String key = apiVersion + "/" + kind;
        Class<?> model = BUILT_IN.get(key);
        if (model != null) {
            validateBuiltIn(model, doc, problems);
            return problems;
        }
        JsonSchema schema = crdSchema(apiVersion, kind);
        if (schema == null) {
            problems.add("no schema for " + key + " (add the operator's CRD schema to src/test/resources/deploy/crd-schemas)");
            return problems;
        }
        for (ValidationMessage m : schema.validate(doc)) {
            problems.add(m.getMessage());
        }
        // CRDs say only "metadata: object"; the API server checks it as ObjectMeta.
        if (doc.has("metadata")) {
            validateBuiltIn(V1ObjectMeta.class, doc.get("metadata"), problems);
        }
        return problems;
    }

    private static void validateBuiltIn(Class<?> model, JsonNode doc, List<String> problems) {
        JsonElement element;
        try {
            element = JsonParser.parseString(JSON.writeValueAsString(doc));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            model.getMethod("validateJsonElement", JsonElement.class).invoke(null, element);
        } catch (InvocationTargetException e) {
            problems.add(model.getSimpleName() + ": " + e.getCause().getMessage());
            return;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        try {
            // Field presence is checked above; binding checks the values' types (an int, a quantity, an int-or-string).
            GSON.fromJson(element, model);
        } catch (RuntimeException e) {
            problems.add(model.getSimpleName() + ": wrong type: " + e.getMessage());
        }
    }

    private JsonSchema crdSchema(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String file = "deploy/crd-schemas/" + apiVersion.substring(0, slash) + "_" + apiVersion.substring(slash + 1) + "_"
                + kind + ".json";
        return crdSchemas.computeIfAbsent(file, f -> {
            try (InputStream in = ManifestSchemas.class.getClassLoader().getResourceAsStream(f)) {
                if (in == null) {
                    return null;
                }
                ObjectNode schema = (ObjectNode) JSON.readTree(in);
                // The API server always accepts these at the top, and some CRDs (Keycloak's) leave them out.
                ObjectNode top = schema.with("properties");
                top.putIfAbsent("apiVersion", JSON.createObjectNode().put("type", "string"));
                top.putIfAbsent("kind", JSON.createObjectNode().put("type", "string"));
                top.putIfAbsent("metadata", JSON.createObjectNode().put("type", "object"));
                strict(schema);
                return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Closes every object schema that lists its properties and does not preserve unknown fields. Walks schema
     * positions only, so a property that happens to be called "properties" is not mistaken for a keyword.
     */
    static void strict(JsonNode schema) {
        if (!schema.isObject()) {
            return;
        }
        ObjectNode o = (ObjectNode) schema;
        if (o.has("properties")) {
            if (!o.has("additionalProperties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            o.get("properties").elements().forEachRemaining(ManifestSchemas::strict);
        }
        for (String single : List.of("items", "additionalProperties", "not")) {
            JsonNode sub = o.get(single);
            if (sub != null && sub.isArray()) {
                sub.elements().forEachRemaining(ManifestSchemas::strict);
            } else if (sub != null) {
                strict(sub);
            }
        }
        for (String many : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode subs = o.get(many);
            if (subs != null) {
                subs.elements().forEachRemaining(ManifestSchemas::strict);
            }
        }
    }
}
