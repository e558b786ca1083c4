"""Loads a glTF 2.0 JSON document with pygltflib and prints what it holds as one JSON line.

Usage: check_gltf.py FILE. Exits non-zero when the document does not load or breaks glTF's
structural rules (every index in range, every node under exactly one parent or a scene root).
"""

import json
import sys

import pygltflib


def fail(message):
    print(json.dumps({"error": message}))
    sys.exit(1)


def main():
    gltf = pygltflib.GLTF2().load(sys.argv[1])
    if gltf is None or gltf.asset is None or gltf.asset.version != "2.0":
        fail("not a glTF 2.0 document")
    nodes = gltf.nodes or []
    scene = gltf.scenes[gltf.scene]
    roots = scene.nodes or []
    parents = {}
    for index, node in enumerate(nodes):
        for child in node.children or []:
            if not 0 <= child < len(nodes):
                fail(f"node {index} has a child index {child} out of range")
            if child in parents:
                fail(f"node {child} has two parents")
            parents[child] = index
    for root in roots:
        if root in parents:
            fail(f"root {root} also has a parent")
    if sorted(list(parents) + list(roots)) != list(range(len(nodes))):
        fail("not every node is a root or a child exactly once")
    for index, node in enumerate(nodes):
        if node.mesh is not None:
            mesh = gltf.meshes[node.mesh]
            for primitive in mesh.primitives:
                accessor = gltf.accessors[primitive.attributes.POSITION]
                view = gltf.bufferViews[accessor.bufferView]
                buffer = gltf.buffers[view.buffer]
                if accessor.count < 1 or view.byteLength > buffer.byteLength:
                    fail(f"node {index}'s mesh reads outside its buffer")
                if primitive.material is not None and not 0 <= primitive.material < len(gltf.materials):
                    fail(f"node {index}'s material index is out of range")
        if node.camera is not None and not 0 <= node.camera < len(gltf.cameras):
            fail(f"node {index}'s camera index is out of range")
    lights = (gltf.extensions or {}).get("KHR_lights_punctual", {}).get("lights", [])

    def describe(node):
        light = (node.extensions or {}).get("KHR_lights_punctual", {}).get("light")
        camera = gltf.cameras[node.camera] if node.camera is not None else None
        mesh = gltf.meshes[node.mesh] if node.mesh is not None else None
        material = None
        if mesh is not None and mesh.primitives[0].material is not None:
            pbr = gltf.materials[mesh.primitives[0].material].pbrMetallicRoughness
            material = {
                "baseColor": pbr.baseColorFactor,
                "metallic": pbr.metallicFactor,
                "roughness": pbr.roughnessFactor,
            }
        return {
            "name": node.name,
            "children": [nodes[child].name for child in node.children or []],
            "translation": node.translation,
            "rotation": node.rotation,
            "scale": node.scale,
            "camera": camera.type if camera else None,
            "bufferUri": gltf.buffers[
                gltf.bufferViews[gltf.accessors[mesh.primitives[0].attributes.POSITION].bufferView].buffer
            ].uri
            if mesh
            else None,
            "material": material,
            "light": lights[light]["type"] if light is not None else None,
        }

    print(
        json.dumps(
            {
                "version": gltf.asset.version,
                "roots": [nodes[root].name for root in roots],
                "nodes": [describe(node) for node in nodes],
                "extensionsUsed": gltf.extensionsUsed or [],
                "lights": [light["type"] for light in lights],
                "cameras": [camera.type for camera in gltf.cameras or []],
            }
        )
    )


if __name__ == "__main__":
    main()
