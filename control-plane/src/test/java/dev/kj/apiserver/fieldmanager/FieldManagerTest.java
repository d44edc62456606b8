package dev.kj.apiserver.fieldmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.fieldmanager.ManagedFields.Manager;
import dev.kj.apiserver.fieldmanager.ManagedFields.Operation;
import dev.kj.apiserver.schema.TypeModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fieldsV1 and apply merging against the examples of kubernetes.io's "Server-Side Apply" page. */
class FieldManagerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NOW = "2026-12-07T10:00:00Z";

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
    }

    private static FieldManager manager(String apiVersion, String kind, boolean statusIgnored) {
        return new FieldManager(TypeModel.get().kind(apiVersion, kind).orElseThrow(), apiVersion,
                statusIgnored ? FieldSet.of(List.of(List.of("f:status"))) : FieldSet.EMPTY);
    }

    @Test
    void configMapAppliedAsTheDocumentationShowsIt() throws Exception {
        ObjectNode config = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'test-cm','namespace':'default',"
                + "'labels':{'test-label':'test'}},'data':{'key':'some value'}}");
        FieldManager.Applied applied = manager("v1", "ConfigMap", false)
                .apply(null, config, new Manager("kubectl", Operation.Apply, "", ""), false, NOW);
        ObjectNode object = assertInstanceOf(FieldManager.Merged.class, applied).object();
        JsonNode entry = object.path("metadata").path("managedFields").get(0);
        assertEquals("kubectl", entry.path("manager").asText());
        assertEquals("Apply", entry.path("operation").asText());
        assertEquals("v1", entry.path("apiVersion").asText());
        assertEquals("FieldsV1", entry.path("fieldsType").asText());
        assertEquals(json("{'f:data':{'f:key':{}},'f:metadata':{'f:labels':{'f:test-label':{}}}}"), entry.path("fieldsV1"));
    }

    @Test
    void listMapsSetsAndAtomicStructsAtFieldGranularity() throws Exception {
        ObjectNode deployment = json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d',"
                + "'finalizers':['a/b']},'spec':{'replicas':2,'selector':{'matchLabels':{'app':'x'}},"
                + "'template':{'spec':{'containers':[{'name':'nginx','image':'nginx:1',"
                + "'ports':[{'containerPort':80,'protocol':'TCP'}]}]}}},'status':{'replicas':1}}");
        FieldSet fields = manager("apps/v1", "Deployment", true).fields(deployment);
        assertEquals(json("{'f:metadata':{'f:finalizers':{'v:\\'a/b\\'':{}}},'f:spec':{'f:replicas':{},'f:selector':{},"
                + "'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'nginx\\'}':{'.':{},'f:image':{},'f:name':{},"
                + "'f:ports':{'k:{\\'containerPort\\':80,\\'protocol\\':\\'TCP\\'}':{'.':{},'f:containerPort':{},"
                + "'f:protocol':{}}}}}}}}}"), fields.toFieldsV1());
        assertEquals(fields, FieldSet.fromFieldsV1(fields.toFieldsV1()).orElseThrow());
        assertEquals(".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80,protocol=\"TCP\"].protocol",
                FieldSet.print(List.of("f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}",
                        "f:ports", "k:{\"containerPort\":80,\"protocol\":\"TCP\"}", "f:protocol")));
    }

    @Test
    void updateOnCreateOwnsNewMapsAndPointerStructsWithDot() throws Exception {
        ObjectNode created = json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d','labels':{'app':'x'}},"
                + "'spec':{'replicas':1,'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}");
        JsonNode managed = manager("apps/v1", "Deployment", true).update(null, created, null,
                new Manager("kubectl-client-side-apply", Operation.Update, "apps/v1", ""), NOW);
        assertEquals(json("{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:replicas':{},"
                + "'f:strategy':{'f:rollingUpdate':{'.':{},'f:maxSurge':{}},'f:type':{}}}}"), managed.get(0).path("fieldsV1"));
        assertEquals(NOW, managed.get(0).path("time").asText());
    }

    @Test
    void conflictsNameTheManagerAndFieldUnlessForced() throws Exception {
        FieldManager fields = manager("apps/v1", "Deployment", true);
        ObjectNode live = json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'replicas':1}}");
        live.with("metadata").set("managedFields", fields.update(null, live, null,
                new Manager("kubectl-client-side-apply", Operation.Update, "apps/v1", ""), NOW));
        ObjectNode config = json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'replicas':3}}");
        Manager applier = new Manager("kubectl", Operation.Apply, "", "");
        FieldManager.Conflicts conflicts = assertInstanceOf(FieldManager.Conflicts.class,
                fields.apply(live, config, applier, false, NOW));
        assertEquals("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas",
                conflicts.message());
        ObjectNode forced = assertInstanceOf(FieldManager.Merged.class, fields.apply(live, config, applier, true, NOW)).object();
        assertEquals(3, forced.path("spec").path("replicas").asInt());
        JsonNode entries = forced.path("metadata").path("managedFields");
        assertEquals(1, entries.size()); // the Update manager lost its only field
        assertEquals("kubectl", entries.get(0).path("manager").asText());
    }

    @Test
    void sameValueIsSharedAndAnOmittedFieldIsRemovedUnlessSomeoneElseOwnsIt() throws Exception {
        FieldManager fields = manager("v1", "ConfigMap", false);
        Manager a = new Manager("a", Operation.Apply, "", "");
        Manager b = new Manager("b", Operation.Apply, "", "");
        ObjectNode first = ((FieldManager.Merged) fields.apply(null,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'x':'1','y':'2'}}"), a, false, NOW)).object();
        // b applies the same value of x: no conflict, shared
        ObjectNode second = assertInstanceOf(FieldManager.Merged.class, fields.apply(first,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'x':'1'}}"), b, false, NOW)).object();
        // a stops applying x and y: y goes, x stays (b owns it)
        ObjectNode third = assertInstanceOf(FieldManager.Merged.class, fields.apply(second,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'z':'3'}}"), a, false, NOW)).object();
        assertEquals(json("{'x':'1','z':'3'}"), third.path("data"));
        // b changing x now conflicts with nobody; a changing x would conflict with b
        FieldManager.Conflicts conflicts = assertInstanceOf(FieldManager.Conflicts.class, fields.apply(third,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'x':'9'}}"), a, false, NOW));
        assertEquals("Apply failed with 1 conflict: conflict with \"b\": .data.x", conflicts.message());
    }

    @Test
    void listMapItemsMergeByKey() throws Exception {
        FieldManager fields = manager("apps/v1", "Deployment", true);
        ObjectNode live = json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'template':{'spec':"
                + "{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}}}");
        ObjectNode merged = TypedFields.merge(TypeModel.get().kind("apps/v1", "Deployment").orElseThrow(), live,
                json("{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'b:2'},{'name':'c','image':'c:1'}]}}}}"));
        assertEquals(JSON.readTree("[{'name':'a','image':'a:1'},{'name':'b','image':'b:2'},{'name':'c','image':'c:1'}]"
                        .replace('\'', '"')),
                merged.path("spec").path("template").path("spec").path("containers"));
    }

    /**
     * Twelve Update managers of a ConfigMap, each writing its own key a minute apart: the next
     * Update (a thirteenth manager) leaves ten Update entries, the three oldest folded into an
     * "ancient-changes" entry that has their keys and the newest folded one's time.
     */
    @Test
    void updateManagersBeyondTenFoldIntoAncientChanges() throws Exception {
        FieldManager fields = manager("v1", "ConfigMap", false);
        ObjectNode live = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm'},'data':{}}");
        for (int i = 0; i < 12; i++) {
            ObjectNode updated = live.deepCopy();
            ((ObjectNode) updated.path("data")).put("k" + i, "v");
            String time = "2026-12-07T10:%02d:00Z".formatted(i);
            JsonNode managed = fields.update(i == 0 ? null : live, updated, null,
                    new Manager("m" + i, Operation.Update, "v1", ""), time);
            ((ObjectNode) updated.path("metadata")).set("managedFields", managed);
            live = updated;
        }
        List<String> names = new java.util.ArrayList<>();
        live.path("metadata").path("managedFields").forEach(e -> names.add(e.path("manager").asText()));
        assertEquals(List.of("ancient-changes", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11"), names);
        JsonNode ancient = live.path("metadata").path("managedFields").get(0);
        assertEquals("Update", ancient.path("operation").asText());
        assertEquals("v1", ancient.path("apiVersion").asText());
        assertEquals("2026-12-07T10:02:00Z", ancient.path("time").asText());
        // m0 created the object, so it (and now the bucket) owns the data map itself too
        assertEquals(json("{'f:data':{'.':{},'f:k0':{},'f:k1':{},'f:k2':{}}}"), ancient.path("fieldsV1"));
    }

    /** autoscaling/v2 storage with autoscaling/v1 converted to it, as the HPA stores have it. */
    private static Versions hpaVersions() {
        var conversion = dev.kj.apiserver.registry.autoscaling.HorizontalPodAutoscalerConversion.V1.converter();
        return new Versions("autoscaling/v2", java.util.Map.of(
                "autoscaling/v2", Versions.View.identity("autoscaling/v2",
                        TypeModel.get().kind("autoscaling/v2", "HorizontalPodAutoscaler").orElseThrow()),
                "autoscaling/v1", new Versions.View("autoscaling/v1",
                        TypeModel.get().kind("autoscaling/v1", "HorizontalPodAutoscaler").orElseThrow(),
                        conversion::fromStorage, conversion::toStorage)));
    }

    @Test
    void entriesKeepTheirManagersVersionAndConflictAcrossVersions() throws Exception {
        Versions versions = hpaVersions();
        FieldManager v2 = new FieldManager(versions, "autoscaling/v2", FieldSet.of(List.of(List.of("f:status"))));
        FieldManager v1 = new FieldManager(versions, "autoscaling/v1", FieldSet.of(List.of(List.of("f:status"))));
        Manager applier = new Manager("kubectl", Operation.Apply, "", "");
        ObjectNode config = json("{'apiVersion':'autoscaling/v2','kind':'HorizontalPodAutoscaler','metadata':{'name':'h',"
                + "'namespace':'default'},'spec':{'scaleTargetRef':{'apiVersion':'apps/v1','kind':'Deployment','name':'d'},"
                + "'minReplicas':1,'maxReplicas':5,'metrics':[{'type':'Resource','resource':{'name':'cpu',"
                + "'target':{'type':'Utilization','averageUtilization':50}}}]}}");
        ObjectNode created = assertInstanceOf(FieldManager.Merged.class, v2.apply(null, config, applier, false, NOW)).object();

        // an autoscaling/v1 client raises maxReplicas and the CPU target, which v2 keeps in spec.metrics
        var conversion = dev.kj.apiserver.registry.autoscaling.HorizontalPodAutoscalerConversion.V1.converter();
        ObjectNode seenInV1 = conversion.fromStorage(created.deepCopy());
        ((ObjectNode) seenInV1.path("spec")).put("maxReplicas", 7).put("targetCPUUtilizationPercentage", 60);
        ObjectNode updated = conversion.toStorage(seenInV1);
        Manager scaler = new Manager("scaler", Operation.Update, "autoscaling/v1", "");
        ObjectNode live = created.deepCopy();
        updated.with("metadata").set("managedFields", v1.update(live, updated, null, scaler, NOW));

        JsonNode entries = updated.path("metadata").path("managedFields");
        assertEquals(2, entries.size(), entries.toString());
        assertEquals("autoscaling/v2", entries.get(0).path("apiVersion").asText());
        assertEquals(json("{'f:spec':{'f:minReplicas':{},'f:scaleTargetRef':{'f:apiVersion':{},'f:kind':{},"
                + "'f:name':{}}}}"), entries.get(0).path("fieldsV1"));
        assertEquals("scaler", entries.get(1).path("manager").asText());
        assertEquals("autoscaling/v1", entries.get(1).path("apiVersion").asText());
        assertEquals(json("{'f:spec':{'f:maxReplicas':{},'f:targetCPUUtilizationPercentage':{}}}"),
                entries.get(1).path("fieldsV1"));

        // applying the v2 configuration again changes both fields the v1 manager owns, seen in v1
        FieldManager.Conflicts conflicts = assertInstanceOf(FieldManager.Conflicts.class,
                v2.apply(updated, config, applier, false, NOW));
        assertEquals("Apply failed with 2 conflicts: conflicts with \"scaler\" using autoscaling/v1:\n"
                + "- .spec.maxReplicas\n- .spec.targetCPUUtilizationPercentage", conflicts.message());
        // forced, the applier takes them back in its own version and the v1 manager is left with none
        ObjectNode forced = assertInstanceOf(FieldManager.Merged.class, v2.apply(updated, config, applier, true, NOW))
                .object();
        JsonNode after = forced.path("metadata").path("managedFields");
        assertEquals(1, after.size(), after.toString());
        assertEquals(5, forced.path("spec").path("maxReplicas").asInt());
        assertEquals(50, forced.path("spec").path("metrics").get(0).path("resource").path("target")
                .path("averageUtilization").asInt());
    }
}
